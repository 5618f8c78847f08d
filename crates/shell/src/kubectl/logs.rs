//! kubectl logs (being written).
pub fn run(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
