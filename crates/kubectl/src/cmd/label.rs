//! TODO

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;

pub fn label(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}

pub fn annotate(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}
