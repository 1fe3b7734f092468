//! A Telegram server for tests and demos. Filled in by the mock-server issue.
#![deny(unsafe_code)]
