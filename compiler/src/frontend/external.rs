//! External tensor data, as the ONNX spec defines it: a tensor whose `data_location` is
//! `EXTERNAL` keeps its bytes in a file next to the model, named by the `external_data` entries
//! `location` (relative to the model's directory), `offset` and `length` (bytes; without
//! `length`, up to the end of the file). torch's default exporter writes its weights this way
//! (`model.onnx.data`), and it is how models over protobuf's 2 GB limit are stored.
//!
//! [`resolve`] reads every external initializer and `Constant` value of a decoded model into its
//! `raw_data` before the import, so the rest of the frontend sees inline tensors only. A missing
//! or short file, a location outside the model's directory, or a malformed entry is an error
//! naming the tensor and the file.

use crate::{Error, Result};
use onnx_protobuf::{tensor_proto::DataLocation, ModelProto, TensorProto};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

/// Reads the external data of every initializer and `Constant` tensor of `model` (read from
/// `path`) into the tensor, from files relative to `path`'s directory.
pub fn resolve(model: &mut ModelProto, path: &str) -> Result<()> {
    let dir = Path::new(path)
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut files = Files {
        dir,
        model: path,
        open: HashMap::new(),
    };
    let Some(graph) = model.graph.as_mut() else {
        return Ok(());
    };
    for tensor in &mut graph.initializer {
        files.load(tensor)?;
    }
    let attributes = graph.node.iter_mut().flat_map(|n| n.attribute.iter_mut());
    for tensor in attributes.filter_map(|a| a.t.as_mut()) {
        files.load(tensor)?;
    }
    Ok(())
}

/// Whether a tensor keeps its data in an external file.
fn is_external(tensor: &TensorProto) -> bool {
    tensor.data_location.enum_value() == Ok(DataLocation::EXTERNAL)
        || !tensor.external_data.is_empty()
}

/// The external data files of one model, opened once each.
struct Files<'a> {
    dir: PathBuf,
    model: &'a str,
    open: HashMap<String, (File, u64)>,
}

/// Where one tensor's bytes are.
struct Entry {
    location: String,
    offset: u64,
    length: Option<u64>,
}

impl Files<'_> {
    fn error(&self, message: String) -> Error {
        Error::Model {
            path: self.model.to_owned(),
            message,
        }
    }

    /// Replaces an external tensor's reference by its bytes.
    fn load(&mut self, tensor: &mut TensorProto) -> Result<()> {
        if !is_external(tensor) {
            return Ok(());
        }
        let entry = self.entry(tensor)?;
        let bytes = self.read(&tensor.name, &entry)?;
        tensor.raw_data = bytes;
        tensor.external_data.clear();
        tensor.data_location = DataLocation::DEFAULT.into();
        Ok(())
    }

    /// The `location`, `offset` and `length` entries of a tensor.
    fn entry(&self, tensor: &TensorProto) -> Result<Entry> {
        let name = &tensor.name;
        let mut location = None;
        let (mut offset, mut length) = (0, None);
        for pair in &tensor.external_data {
            let number = || {
                pair.value.parse::<u64>().map_err(|_| {
                    self.error(format!(
                        "tensor `{name}`: external data `{}` = `{}` is not a byte count",
                        pair.key, pair.value
                    ))
                })
            };
            match pair.key.as_str() {
                "location" => location = Some(pair.value.clone()),
                "offset" => offset = number()?,
                "length" => length = Some(number()?),
                _ => {}
            }
        }
        let location = location.ok_or_else(|| {
            self.error(format!(
                "tensor `{name}` is stored externally but names no `location`"
            ))
        })?;
        Ok(Entry {
            location,
            offset,
            length,
        })
    }

    /// The file a location names, refused when it leaves the model's directory.
    fn file_path(&self, name: &str, location: &str) -> Result<PathBuf> {
        let relative = Path::new(location);
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            return Err(self.error(format!(
                "tensor `{name}`: external data location `{location}` must be a path relative to \
                 the model's directory, without `..` (the ONNX spec's rule)"
            )));
        }
        Ok(self.dir.join(relative))
    }

    /// The bytes of `entry`.
    fn read(&mut self, name: &str, entry: &Entry) -> Result<Vec<u8>> {
        let path = self.file_path(name, &entry.location)?;
        let shown = path.display().to_string();
        if !self.open.contains_key(&entry.location) {
            let file = File::open(&path).map_err(|e| {
                self.error(format!(
                    "tensor `{name}` stores its data in `{shown}`, which cannot be opened ({e}); \
                     keep the data file next to the model"
                ))
            })?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            self.open.insert(entry.location.clone(), (file, size));
        }
        let Some((file, size)) = self.open.get_mut(&entry.location) else {
            return Err(self.error(format!("tensor `{name}`: `{shown}` is not open")));
        };
        let size = *size;
        let length = entry.length.unwrap_or(size.saturating_sub(entry.offset));
        let end = entry.offset.saturating_add(length);
        if end > size {
            return Err(self.error(format!(
                "tensor `{name}` needs bytes {}..{end} of `{shown}`, which holds {size} bytes: the \
                 data file is short or belongs to another model",
                entry.offset
            )));
        }
        let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(entry.offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| {
                self.error(format!(
                    "tensor `{name}`: reading bytes {}..{end} of `{shown}` failed ({e})",
                    entry.offset
                ))
            })?;
        Ok(bytes)
    }
}
