//! The topology file format: parsing, overrides and validation into a [`crate::model::Model`].
