//! The real filesystem behind the native shell: `cat`, redirections, `kubectl -f`, and
//! `kubectl edit` through $KUBE_EDITOR / $EDITOR (default `vi`), as kubectl does.

use shell::{FileSystem, FsError};
use std::io::ErrorKind;

pub struct RealFs;

fn fs_error(e: std::io::Error) -> FsError {
    match e.kind() {
        ErrorKind::NotFound => FsError::NotFound,
        ErrorKind::PermissionDenied => FsError::PermissionDenied,
        ErrorKind::IsADirectory => FsError::IsADirectory,
        ErrorKind::NotADirectory => FsError::NotADirectory,
        _ => FsError::Other(e.to_string()),
    }
}

impl FileSystem for RealFs {
    fn read_file(&self, path: &str) -> Result<String, FsError> {
        if std::path::Path::new(path).is_dir() {
            return Err(FsError::IsADirectory);
        }
        // Binary files are read too (invalid UTF-8 becomes U+FFFD): kubectl then reports what
        // the YAML decoder finds, e.g. control characters, rather than a missing file.
        let bytes = std::fs::read(path).map_err(fs_error)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn list_dir(&self, path: &str) -> Result<Option<Vec<String>>, FsError> {
        let meta = std::fs::metadata(path).map_err(fs_error)?;
        if !meta.is_dir() {
            return Ok(None);
        }
        let mut names: Vec<String> = std::fs::read_dir(path)
            .map_err(fs_error)?
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        Ok(Some(names))
    }

    fn write_file(&mut self, path: &str, contents: &str, append: bool) -> Result<(), FsError> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(fs_error)?;
        f.write_all(contents.as_bytes()).map_err(fs_error)
    }

    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String> {
        let editor = std::env::var("KUBE_EDITOR")
            .or_else(|_| std::env::var("EDITOR"))
            .unwrap_or_else(|_| "vi".to_string());
        let dir = std::env::temp_dir();
        let base = std::path::Path::new(file_name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("edit.yaml");
        let path = dir.join(format!("kubectl-edit-{}-{base}", std::process::id()));
        std::fs::write(&path, text).map_err(|e| format!("error: {e}"))?;
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(&path)
            .status()
            .map_err(|e| format!("error: unable to launch the editor \"{editor}\": {e}"))?;
        let edited = std::fs::read_to_string(&path).map_err(|e| format!("error: {e}"));
        let _ = std::fs::remove_file(&path);
        if !status.success() {
            return Err(format!("error: there was a problem with the editor \"{editor}\""));
        }
        edited
    }

    fn create_dir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        if parents {
            std::fs::create_dir_all(path)
        } else {
            std::fs::create_dir(path)
        }
        .map_err(fs_error)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        std::fs::remove_file(path).map_err(fs_error)
    }
}
