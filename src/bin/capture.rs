//! capture: being written.
fn main() {}
