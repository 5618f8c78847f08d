//! kubectl label/annotate (being written).
pub enum Which { Labels, Annotations }
pub fn run(ctx: &mut super::Ctx, _argv: &[String], _w: Which) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
