//! `kubectl describe` (k8s.io/kubectl/pkg/cmd/describe): resolves the objects, fetches what
//! each describer needs (events, related objects) and prints the describer output.

use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::flags::Parsed;

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let _ = (ctx, flags);
    Err(crate::error::CmdError::msg("describe: not implemented yet"))
}
