//! kubectl version, cluster-info, api-resources, api-versions, explain (being written).
pub const HELP: &str = "kubectl controls the Kubernetes cluster manager.\n";
pub fn run_version(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn run_cluster_info(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn run_api_resources(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn run_api_versions(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
pub fn run_explain(ctx: &mut super::Ctx, _argv: &[String]) -> i32 { ctx.err("error: not implemented yet\n"); 1 }
