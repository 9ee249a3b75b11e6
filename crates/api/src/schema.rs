//! Strict decoding checks: unknown fields and wrong types, with upstream's texts.
//
// Contract: check(gvk, &Value, strict: bool) -> Result<(), SchemaError>, where
// SchemaError's Display is upstream's `<Kind> in version "<v>" cannot be handled as a <Kind>: …`.
