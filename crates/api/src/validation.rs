//! Validation with upstream's field paths and messages.
//
// Contract: validate_create(&ResourceInfo, &Value) -> Vec<FieldError>;
//           validate_update(&ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError>.
