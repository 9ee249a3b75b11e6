//! Decoding of what users paste: multi-document YAML and JSON, parsed once into JSON values.
