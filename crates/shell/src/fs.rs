//! The files the shell sees: a trait the front ends implement (the browser keeps files in
//! memory; the native binary may too) and [`MemoryFs`]. Paths given to a `FileSystem` are
//! always absolute and normalised (`/root/pod.yaml`).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why a file operation failed, as the coreutils print it after the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    IsADirectory,
    NotADirectory,
    PermissionDenied,
    Other(String),
}

impl FsError {
    /// The strerror text (`No such file or directory`).
    pub fn message(&self) -> &str {
        match self {
            FsError::NotFound => "No such file or directory",
            FsError::IsADirectory => "Is a directory",
            FsError::NotADirectory => "Not a directory",
            FsError::PermissionDenied => "Permission denied",
            FsError::Other(m) => m,
        }
    }
}

/// Storage behind the shell: `cat`, `ls`, redirections, `kubectl -f`, `kubectl edit`.
pub trait FileSystem {
    fn read_file(&self, path: &str) -> Result<String, FsError>;
    /// `Ok(None)` when `path` is a file; otherwise the sorted names directly inside it.
    fn list_dir(&self, path: &str) -> Result<Option<Vec<String>>, FsError>;
    /// Creates or replaces (`append = false`) or extends a file; its directory must exist.
    fn write_file(&mut self, path: &str, contents: &str, append: bool) -> Result<(), FsError>;
    /// Lets the user edit `text` (kubectl edit): the native binary runs $EDITOR, the browser
    /// opens its editor pane. `Err` carries the message kubectl prints.
    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String>;
    /// Creates a directory (and its parents when `parents`).
    fn create_dir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        let _ = (path, parents);
        Err(FsError::PermissionDenied)
    }
    /// Removes a file.
    fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        let _ = path;
        Err(FsError::PermissionDenied)
    }
    /// The whole file tree as JSON, for front ends that persist it (`None`: not persistable,
    /// e.g. the real disk).
    fn snapshot(&self) -> Option<serde_json::Value> {
        None
    }
}

/// An in-memory file tree (tests and the browser). Serialisable so front ends can persist it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryFs {
    files: BTreeMap<String, String>,
    dirs: BTreeSet<String>,
    /// What `edit` returns: `None` means no editor is available.
    #[serde(skip)]
    editor: Option<EditScript>,
}

/// A stand-in editor for tests: replaces `from` with `to` in the edited text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditScript {
    pub from: String,
    pub to: String,
}

impl Default for MemoryFs {
    fn default() -> Self {
        let dirs = [
            "/",
            "/root",
            "/tmp",
            "/etc",
            "/etc/kubernetes",
            "/etc/kubernetes/manifests",
            "/root/.kube",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        MemoryFs {
            files: BTreeMap::new(),
            dirs,
            editor: None,
        }
    }
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => path.get(..i).unwrap_or("/"),
        None => "/",
    }
}

impl MemoryFs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file (creating its directories) — for seeding tutorials and tests.
    pub fn with_file(mut self, path: &str, contents: &str) -> Self {
        let mut dir = parent(path).to_string();
        while !self.dirs.contains(&dir) {
            self.dirs.insert(dir.clone());
            dir = parent(&dir).to_string();
        }
        self.files.insert(path.to_string(), contents.to_string());
        self
    }

    /// Restores a tree saved with [`FileSystem::snapshot`].
    pub fn from_snapshot(v: serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(v).map_err(|e| format!("invalid file system snapshot: {e}"))
    }

    /// Makes `edit` apply a text replacement instead of failing.
    pub fn set_editor(&mut self, script: Option<EditScript>) {
        self.editor = script;
    }
}

impl FileSystem for MemoryFs {
    fn read_file(&self, path: &str) -> Result<String, FsError> {
        if let Some(f) = self.files.get(path) {
            return Ok(f.clone());
        }
        if self.dirs.contains(path) {
            return Err(FsError::IsADirectory);
        }
        Err(FsError::NotFound)
    }

    fn list_dir(&self, path: &str) -> Result<Option<Vec<String>>, FsError> {
        if self.files.contains_key(path) {
            return Ok(None);
        }
        if !self.dirs.contains(path) {
            return Err(FsError::NotFound);
        }
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        let mut names: BTreeSet<String> = BTreeSet::new();
        for p in self.files.keys().chain(self.dirs.iter()) {
            if let Some(rest) = p.strip_prefix(&prefix) {
                if !rest.is_empty() && !rest.contains('/') {
                    names.insert(rest.to_string());
                }
            }
        }
        Ok(Some(names.into_iter().collect()))
    }

    fn write_file(&mut self, path: &str, contents: &str, append: bool) -> Result<(), FsError> {
        if self.dirs.contains(path) {
            return Err(FsError::IsADirectory);
        }
        let dir = parent(path);
        if self.files.contains_key(dir) {
            return Err(FsError::NotADirectory);
        }
        if !self.dirs.contains(dir) {
            return Err(FsError::NotFound);
        }
        let f = self.files.entry(path.to_string()).or_default();
        if !append {
            f.clear();
        }
        f.push_str(contents);
        Ok(())
    }

    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String> {
        let _ = file_name;
        match &self.editor {
            Some(s) => Ok(text.replacen(&s.from, &s.to, 1)),
            None => Err("error: there is no editor in this terminal".to_string()),
        }
    }

    fn create_dir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        if self.files.contains_key(path) || (self.dirs.contains(path) && !parents) {
            return Err(FsError::Other("File exists".to_string()));
        }
        let mut missing = Vec::new();
        let mut dir = path.to_string();
        while !self.dirs.contains(&dir) {
            if self.files.contains_key(&dir) {
                return Err(FsError::NotADirectory);
            }
            missing.push(dir.clone());
            dir = parent(&dir).to_string();
        }
        if missing.len() > 1 && !parents {
            return Err(FsError::NotFound);
        }
        self.dirs.extend(missing);
        Ok(())
    }

    fn snapshot(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self).ok()
    }

    fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        if self.dirs.contains(path) {
            return Err(FsError::IsADirectory);
        }
        self.files.remove(path).map(|_| ()).ok_or(FsError::NotFound)
    }
}

/// Joins `path` onto `cwd` and resolves `.`/`..` (`~` is expanded earlier, by the shell).
pub fn resolve(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_working_directory() {
        let cases = [
            ("/root", "pod.yaml", "/root/pod.yaml"),
            ("/root", "/tmp/x", "/tmp/x"),
            ("/root", "../etc/./a", "/etc/a"),
            ("/", "..", "/"),
            ("/root", "", "/root"),
            ("/root", "a//b/", "/root/a/b"),
        ];
        for (cwd, p, want) in cases {
            assert_eq!(resolve(cwd, p), want);
        }
    }

    #[test]
    fn memory_fs_writes_need_an_existing_directory() {
        let mut fs = MemoryFs::new();
        assert_eq!(fs.write_file("/root/a.yaml", "x", false), Ok(()));
        assert_eq!(fs.write_file("/root/a.yaml", "y", true), Ok(()));
        assert_eq!(fs.read_file("/root/a.yaml"), Ok("xy".to_string()));
        assert_eq!(fs.write_file("/nodir/a", "x", false), Err(FsError::NotFound));
        assert_eq!(fs.write_file("/root", "x", false), Err(FsError::IsADirectory));
        assert_eq!(fs.read_file("/root"), Err(FsError::IsADirectory));
        assert_eq!(fs.list_dir("/root/a.yaml"), Ok(None));
        assert_eq!(
            fs.list_dir("/root"),
            Ok(Some(vec![".kube".to_string(), "a.yaml".to_string()]))
        );
        assert_eq!(fs.create_dir("/root/x/y", false), Err(FsError::NotFound));
        assert_eq!(fs.create_dir("/root/x/y", true), Ok(()));
        assert_eq!(fs.list_dir("/root/x"), Ok(Some(vec!["y".to_string()])));
        let snap = fs.snapshot().unwrap();
        assert_eq!(MemoryFs::from_snapshot(snap).unwrap(), fs);
        assert_eq!(fs.remove_file("/root/a.yaml"), Ok(()));
        assert_eq!(fs.read_file("/root/a.yaml"), Err(FsError::NotFound));
    }
}
