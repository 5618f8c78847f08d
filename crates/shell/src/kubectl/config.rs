//! kubectl config and the kubeconfig file (being written).
pub fn run(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn current_namespace(_vfs: &crate::bash::Vfs) -> Option<String> { None }
