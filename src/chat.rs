//! (being written: chat message format)
