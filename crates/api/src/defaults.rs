//! Defaulting as the v1.37 API server applies it on create and update.
//
// Contract: apply_defaults(&GroupVersionKind, &mut Value).
