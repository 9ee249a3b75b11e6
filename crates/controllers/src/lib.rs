//! controllers (being written)
