//! kubectl cordon/uncordon/taint (being written).
pub fn run_cordon(ctx: &mut super::Ctx, _argv: &[String], _c: bool) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn run_taint(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
