//! `kubectl api-versions`: every served group/version, sorted.

use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::flags::Parsed;

pub fn run(ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    let mut versions: Vec<String> = ctx.mapper()?.group_versions().to_vec();
    versions.sort();
    versions.dedup();
    let text: String = versions.iter().map(|v| format!("{v}\n")).collect();
    ctx.stdout(text);
    Ok(())
}
