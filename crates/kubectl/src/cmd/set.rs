//! TODO

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;

pub fn image(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}

pub fn env(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}

pub fn resources(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}

pub fn selector(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}

pub fn serviceaccount(_ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    Err(CmdError::msg("not implemented yet"))
}
