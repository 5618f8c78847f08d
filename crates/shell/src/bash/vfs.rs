//! The virtual filesystem of the learner's machine.
//!
//! An in-memory tree kept in one `BTreeMap` from absolute, normalised path (`/root/web.yaml`)
//! to node, so listings are sorted and every run is deterministic. It starts with `/`,
//! `/root` (the home directory), `/tmp` and `/dev` (`/dev/null` reads as empty and swallows
//! writes).
//!
//! Paths given to the methods below are absolute (use [`Vfs::resolve`] first). The sandbox is
//! bounded: a file may hold at most [`MAX_FILE_BYTES`] and all files together at most
//! [`MAX_TOTAL_BYTES`]; the error of a write past either names the limit.

use std::collections::BTreeMap;

/// Largest single file (10 MiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest total size of all files (16 MiB).
pub const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;

/// The bit bucket: always exists, reads as empty, discards writes.
pub const DEV_NULL: &str = "/dev/null";

/// Why a filesystem operation failed. `Display` is the libc text (`strerror`), so callers can
/// print `cat: x: No such file or directory` exactly as the real tools do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Is a directory")]
    IsADirectory,
    #[error("Not a directory")]
    NotADirectory,
    #[error("File exists")]
    Exists,
    #[error("Directory not empty")]
    NotEmpty,
    #[error("Invalid argument")]
    InvalidArgument,
    /// A single file would grow past [`MAX_FILE_BYTES`].
    #[error("File too large (sandbox limit: 10 MiB per file)")]
    FileTooLarge,
    /// All files together would grow past [`MAX_TOTAL_BYTES`].
    #[error("No space left on device (sandbox limit: 16 MiB in total)")]
    NoSpace,
}

/// One entry of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    File { content: String, mtime_ms: u64 },
    Dir { mtime_ms: u64 },
}

/// What `ls -l` needs to know about an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// True for a directory.
    pub is_dir: bool,
    /// Size in bytes (4096 for a directory, as ext4 shows it).
    pub len: usize,
    /// Last modification, simulated milliseconds since the Unix epoch.
    pub mtime_ms: u64,
}

/// The in-memory filesystem. Cloning it is cheap enough for tests and snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vfs {
    nodes: BTreeMap<String, Node>,
    total_bytes: usize,
    now_ms: u64,
}

impl Default for Vfs {
    fn default() -> Self {
        Self::new()
    }
}

impl Vfs {
    /// A fresh tree with `/root`, `/tmp` and `/dev`, all empty except `/dev/null`.
    pub fn new() -> Vfs {
        let mut nodes = BTreeMap::new();
        for dir in ["/", "/root", "/tmp", "/dev"] {
            nodes.insert(dir.to_string(), Node::Dir { mtime_ms: 0 });
        }
        nodes.insert(
            DEV_NULL.to_string(),
            Node::File {
                content: String::new(),
                mtime_ms: 0,
            },
        );
        Vfs {
            nodes,
            total_bytes: 0,
            now_ms: 0,
        }
    }

    /// Sets the clock used for modification times of later writes (bash sets it to the
    /// simulated time before each command).
    pub fn set_clock(&mut self, now_unix_ms: u64) {
        self.now_ms = now_unix_ms;
    }

    /// The clock last given to [`Vfs::set_clock`].
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Turns `path` (absolute, relative to `cwd`, or starting with `~`) into an absolute,
    /// normalised path: no `.`, `..`, doubled or trailing slashes. `..` of `/` is `/`.
    pub fn resolve(&self, cwd: &str, path: &str) -> String {
        let joined = if path == "~" || path.starts_with("~/") {
            format!("/root{}", &path[1..])
        } else if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{cwd}/{path}")
        };
        normalize(&joined)
    }

    /// Content of a file.
    pub fn read(&self, abs: &str) -> Result<String, FsError> {
        self.check_parents(abs)?;
        match self.nodes.get(abs) {
            Some(Node::File { content, .. }) => Ok(content.clone()),
            Some(Node::Dir { .. }) => Err(FsError::IsADirectory),
            None => Err(FsError::NotFound),
        }
    }

    /// Creates or truncates a file with `content`. The parent directory must exist.
    pub fn write(&mut self, abs: &str, content: &str) -> Result<(), FsError> {
        self.put(abs, content, false)
    }

    /// Appends to a file, creating it when missing. The parent directory must exist.
    pub fn append(&mut self, abs: &str, content: &str) -> Result<(), FsError> {
        self.put(abs, content, true)
    }

    /// True when a file or directory exists at `abs`.
    pub fn exists(&self, abs: &str) -> bool {
        self.nodes.contains_key(abs)
    }

    /// True when `abs` is a directory.
    pub fn is_dir(&self, abs: &str) -> bool {
        matches!(self.nodes.get(abs), Some(Node::Dir { .. }))
    }

    /// True when `abs` is a regular file.
    pub fn is_file(&self, abs: &str) -> bool {
        matches!(self.nodes.get(abs), Some(Node::File { .. }))
    }

    /// Size and modification time of an entry.
    pub fn metadata(&self, abs: &str) -> Result<Metadata, FsError> {
        match self.nodes.get(abs) {
            Some(Node::File { content, mtime_ms }) => Ok(Metadata {
                is_dir: false,
                len: content.len(),
                mtime_ms: *mtime_ms,
            }),
            Some(Node::Dir { mtime_ms }) => Ok(Metadata {
                is_dir: true,
                len: 4096,
                mtime_ms: *mtime_ms,
            }),
            None => Err(FsError::NotFound),
        }
    }

    /// Names (not paths) of the entries of a directory, sorted bytewise.
    pub fn list(&self, abs_dir: &str) -> Result<Vec<String>, FsError> {
        match self.nodes.get(abs_dir) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => return Err(FsError::NotADirectory),
            None => return Err(FsError::NotFound),
        }
        let prefix = child_prefix(abs_dir);
        Ok(self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| &k[prefix.len()..])
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect())
    }

    /// Creates a directory. With `parents`, missing parents are created and an existing
    /// directory is not an error (`mkdir -p`).
    pub fn mkdir(&mut self, abs: &str, parents: bool) -> Result<(), FsError> {
        if let Some(node) = self.nodes.get(abs) {
            return match node {
                Node::Dir { .. } if parents => Ok(()),
                _ => Err(FsError::Exists),
            };
        }
        let parent = parent_of(abs);
        match self.nodes.get(parent) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => return Err(FsError::NotADirectory),
            None if parents => self.mkdir(parent, true)?,
            None => return Err(FsError::NotFound),
        }
        self.nodes.insert(
            abs.to_string(),
            Node::Dir {
                mtime_ms: self.now_ms,
            },
        );
        Ok(())
    }

    /// Removes a file, or a directory with everything in it when `recursive`. A directory
    /// without `recursive` is [`FsError::IsADirectory`] (what `rm` reports). `/` itself is
    /// emptied, never removed.
    pub fn remove(&mut self, abs: &str, recursive: bool) -> Result<(), FsError> {
        match self.nodes.get(abs) {
            None => Err(FsError::NotFound),
            Some(Node::File { .. }) => {
                if abs == DEV_NULL {
                    return Ok(());
                }
                self.drop_node(abs);
                Ok(())
            }
            Some(Node::Dir { .. }) if !recursive => Err(FsError::IsADirectory),
            Some(Node::Dir { .. }) => {
                for key in self.subtree_keys(abs) {
                    self.drop_node(&key);
                }
                if abs != "/" {
                    self.drop_node(abs);
                }
                Ok(())
            }
        }
    }

    /// Removes an empty directory (`rmdir`).
    pub fn rmdir(&mut self, abs: &str) -> Result<(), FsError> {
        match self.nodes.get(abs) {
            None => Err(FsError::NotFound),
            Some(Node::File { .. }) => Err(FsError::NotADirectory),
            Some(Node::Dir { .. }) if !self.subtree_keys(abs).is_empty() => Err(FsError::NotEmpty),
            Some(Node::Dir { .. }) if abs == "/" => Err(FsError::InvalidArgument),
            Some(Node::Dir { .. }) => {
                self.drop_node(abs);
                Ok(())
            }
        }
    }

    /// Moves a file or directory to exactly `to` (replacing a file there). `mv`'s "move into
    /// a directory" rule is the caller's business.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        if from == to {
            return if self.exists(from) {
                Ok(())
            } else {
                Err(FsError::NotFound)
            };
        }
        let Some(node) = self.nodes.get(from).cloned() else {
            return Err(FsError::NotFound);
        };
        match self.nodes.get(parent_of(to)) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => return Err(FsError::NotADirectory),
            None => return Err(FsError::NotFound),
        }
        match (&node, self.nodes.get(to)) {
            (Node::File { .. }, Some(Node::Dir { .. })) => return Err(FsError::IsADirectory),
            (Node::Dir { .. }, Some(Node::File { .. })) => return Err(FsError::NotADirectory),
            (Node::Dir { .. }, Some(Node::Dir { .. })) if !self.subtree_keys(to).is_empty() => {
                return Err(FsError::NotEmpty)
            }
            _ => {}
        }
        if node_is_dir(&node) && (to.starts_with(&child_prefix(from)) || from == "/") {
            return Err(FsError::InvalidArgument);
        }
        if self.is_file(to) {
            self.drop_node(to);
        }
        let moved: Vec<String> = self.subtree_keys(from);
        self.nodes.remove(from);
        self.nodes.insert(to.to_string(), node);
        for key in moved {
            if let Some(n) = self.nodes.remove(&key) {
                let new_key = format!("{}{}", child_prefix(to), &key[child_prefix(from).len()..]);
                self.nodes.insert(new_key, n);
            }
        }
        Ok(())
    }

    /// Total bytes held by all files.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    fn put(&mut self, abs: &str, content: &str, append: bool) -> Result<(), FsError> {
        if abs == DEV_NULL {
            return Ok(());
        }
        self.check_parents(abs)?;
        match self.nodes.get(parent_of(abs)) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => return Err(FsError::NotADirectory),
            None => return Err(FsError::NotFound),
        }
        let old_len = match self.nodes.get(abs) {
            Some(Node::Dir { .. }) => return Err(FsError::IsADirectory),
            Some(Node::File { content, .. }) => content.len(),
            None => 0,
        };
        let new_len = if append {
            old_len + content.len()
        } else {
            content.len()
        };
        if new_len > MAX_FILE_BYTES {
            return Err(FsError::FileTooLarge);
        }
        if self.total_bytes - old_len + new_len > MAX_TOTAL_BYTES {
            return Err(FsError::NoSpace);
        }
        self.total_bytes = self.total_bytes - old_len + new_len;
        let now = self.now_ms;
        match self.nodes.get_mut(abs) {
            Some(Node::File {
                content: old,
                mtime_ms,
            }) => {
                if !append {
                    old.clear();
                }
                old.push_str(content);
                *mtime_ms = now;
            }
            _ => {
                self.nodes.insert(
                    abs.to_string(),
                    Node::File {
                        content: content.to_string(),
                        mtime_ms: now,
                    },
                );
            }
        }
        Ok(())
    }

    /// A path below a file (`/root/a.txt/b`) is "Not a directory", as in libc.
    fn check_parents(&self, abs: &str) -> Result<(), FsError> {
        let mut p = parent_of(abs);
        loop {
            match self.nodes.get(p) {
                Some(Node::File { .. }) => return Err(FsError::NotADirectory),
                Some(Node::Dir { .. }) => return Ok(()),
                None if p == "/" => return Ok(()),
                None => p = parent_of(p),
            }
        }
    }

    fn subtree_keys(&self, abs_dir: &str) -> Vec<String> {
        let prefix = child_prefix(abs_dir);
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .filter(|k| k != "/")
            .collect()
    }

    fn drop_node(&mut self, abs: &str) {
        if let Some(Node::File { content, .. }) = self.nodes.remove(abs) {
            self.total_bytes -= content.len();
        }
    }
}

fn node_is_dir(node: &Node) -> bool {
    matches!(node, Node::Dir { .. })
}

/// `/a/b` -> `/a/`, `/` -> `/` (the prefix every child key starts with).
fn child_prefix(abs_dir: &str) -> String {
    if abs_dir == "/" {
        "/".to_string()
    } else {
        format!("{abs_dir}/")
    }
}

/// The parent of an absolute normalised path; the parent of `/` is `/`.
pub fn parent_of(abs: &str) -> &str {
    match abs.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &abs[..i],
    }
}

/// The last component of a path (`/root/a.yaml` -> `a.yaml`; `/` -> `/`).
pub fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Collapses `.`, `..` and repeated slashes of an absolute path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_normalises_relative_home_and_dotdot() {
        let v = Vfs::new();
        assert_eq!(v.resolve("/root", "a/../b/./c//"), "/root/b/c");
        assert_eq!(v.resolve("/tmp", "~/x"), "/root/x");
        assert_eq!(v.resolve("/tmp", "~"), "/root");
        assert_eq!(v.resolve("/", "../.."), "/");
    }

    #[test]
    fn write_read_list_and_errors() {
        let mut v = Vfs::new();
        v.write("/root/a", "1").unwrap();
        v.append("/root/a", "2").unwrap();
        assert_eq!(v.read("/root/a").unwrap(), "12");
        assert_eq!(v.read("/root/zz"), Err(FsError::NotFound));
        assert_eq!(v.read("/root"), Err(FsError::IsADirectory));
        assert_eq!(v.write("/nope/x", ""), Err(FsError::NotFound));
        assert_eq!(v.read("/root/a/b"), Err(FsError::NotADirectory));
        v.mkdir("/root/d/e", true).unwrap();
        assert_eq!(v.mkdir("/root/d", false), Err(FsError::Exists));
        assert_eq!(v.list("/root").unwrap(), vec!["a", "d"]);
        assert_eq!(v.rmdir("/root/d"), Err(FsError::NotEmpty));
        assert_eq!(FsError::NotFound.to_string(), "No such file or directory");
    }

    #[test]
    fn rename_moves_subtrees_and_remove_frees_space() {
        let mut v = Vfs::new();
        v.mkdir("/root/d", false).unwrap();
        v.write("/root/d/f", "abc").unwrap();
        v.rename("/root/d", "/tmp/e").unwrap();
        assert_eq!(v.read("/tmp/e/f").unwrap(), "abc");
        assert!(!v.exists("/root/d/f"));
        assert_eq!(
            v.rename("/tmp/e", "/tmp/e/x"),
            Err(FsError::InvalidArgument)
        );
        v.remove("/tmp/e", true).unwrap();
        assert_eq!(v.total_bytes(), 0);
    }

    #[test]
    fn size_limits_name_the_limit() {
        let mut v = Vfs::new();
        let big = "x".repeat(MAX_FILE_BYTES + 1);
        let err = v.write("/root/big", &big).unwrap_err();
        assert!(err.to_string().contains("10 MiB"));
        let nine = "x".repeat(9 * 1024 * 1024);
        v.write("/root/a", &nine).unwrap();
        assert!(v
            .write("/root/b", &nine)
            .unwrap_err()
            .to_string()
            .contains("16 MiB"));
        v.write("/dev/null", "gone").unwrap();
        assert_eq!(v.read("/dev/null").unwrap(), "");
    }
}
