//! Storage (feature `storage`): [`Storage`] (memory, local files, S3-compatible, over
//! object_store), users' assets ([`AssetStore`]: records in the database, bytes in storage,
//! read and created by nodes through [`ProcessingContext`](crate::workflows::ProcessingContext)),
//! and (re-exported) [`Workspace`], a folder whose paths cannot escape it.

mod assets;
mod store;

pub use crate::workspace::{Workspace, WorkspaceError};
pub use assets::{kind_for, AssetError, AssetStore, StorageScope};
pub use store::{object_key, ObjectInfo, S3Options, Storage, StorageError};
