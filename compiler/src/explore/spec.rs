//! The sweep: the axes of a design-space exploration (models, targets, target overrides,
//! batches, modes, schedulers), read from a sweep file or the command line and checked before any
//! point runs. Every axis is a list; the points are their product ([`super::points`]).
//!
//! A sweep file (paths relative to the file's directory):
//!
//! ```toml
//! models = ["../test-models/generated/vgg8.onnx"]
//! targets = ["compact-4x4"]            # presets or target TOML files
//! batches = [1, 16, 256]
//! pipelines = ["reuse", "baseline", "layer"]   # or full, auto
//! schedulers = ["paper", "pimc"]
//! gantt = 0                            # the point drawn as a schedule (optional)
//! [set]                                # target overrides: any field of the target TOML
//! chip.tiles_x = [2, 4]
//! crossbar.rows = [128, 256]
//! "chip.tiles_x+chip.tiles_y" = [6, 9]   # linked: both fields take each value (square chips)
//! ```

use crate::schedule::{Pipeline, Scheduler};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The keys a sweep file may have.
const KEYS: &[&str] = &[
    "models",
    "targets",
    "batches",
    "pipelines",
    "schedulers",
    "set",
    "gantt",
];

/// One target-override axis: a `section.field` of the target TOML and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// `section.field`, e.g. `chip.tiles_x`.
    pub key: String,
    /// The values, in sweep order.
    pub values: Vec<toml::Value>,
}

/// A checked sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// ONNX models, as written (relative to [`Sweep::base_dir`]).
    pub models: Vec<String>,
    /// Target presets or TOML files (files relative to [`Sweep::base_dir`]).
    pub targets: Vec<String>,
    /// Target overrides, one axis per key.
    pub set: Vec<Axis>,
    /// Batch sizes.
    pub batches: Vec<u64>,
    /// Modes (`None`: auto).
    pub pipelines: Vec<Option<Pipeline>>,
    /// Schedulers.
    pub schedulers: Vec<Scheduler>,
    /// The point whose schedule is drawn as a Gantt chart, if chosen.
    pub gantt: Option<usize>,
    /// The directory paths in the sweep are relative to.
    pub base_dir: PathBuf,
}

impl Default for Sweep {
    /// No models; compact-4x4, batch 1, auto, the pimc scheduler.
    fn default() -> Self {
        Self {
            models: Vec::new(),
            targets: vec!["compact-4x4".into()],
            set: Vec::new(),
            batches: vec![1],
            pipelines: vec![None],
            schedulers: vec![Scheduler::Pimc],
            gantt: None,
            base_dir: PathBuf::from("."),
        }
    }
}

/// Names a sweep's origin in errors.
fn error(origin: &str, message: String) -> Error {
    Error::Sweep {
        origin: origin.to_owned(),
        message,
    }
}

impl Sweep {
    /// Reads and checks a sweep file.
    pub fn from_file(path: &Path) -> Result<Sweep> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let origin = format!("sweep {}", path.display());
        let base_dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        Sweep::from_toml_str(&text, &origin, base_dir)
    }

    /// Parses and checks sweep-file text; `origin` prefixes errors.
    pub fn from_toml_str(text: &str, origin: &str, base_dir: PathBuf) -> Result<Sweep> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| error(origin, e.message().trim().to_owned()))?;
        let mut sweep = Sweep {
            base_dir,
            ..Sweep::default()
        };
        for (key, value) in &table {
            sweep.read_key(key, value, origin)?;
        }
        sweep.check(origin)?;
        Ok(sweep)
    }

    fn read_key(&mut self, key: &str, value: &toml::Value, origin: &str) -> Result<()> {
        let items = || list(key, value, origin);
        match key {
            "models" => self.models = strings(key, &items()?, origin)?,
            "targets" => self.targets = strings(key, &items()?, origin)?,
            "batches" => {
                let texts: Vec<String> = items()?.iter().map(|v| v.to_string()).collect();
                self.batches = parse_each(key, &texts, origin, parse_batch)?;
            }
            "pipelines" => {
                let names = strings(key, &items()?, origin)?;
                self.pipelines = parse_each(key, &names, origin, Pipeline::parse_choice)?;
            }
            "schedulers" => {
                let names = strings(key, &items()?, origin)?;
                self.schedulers = parse_each(key, &names, origin, parse_scheduler)?;
            }
            "set" => self.set = set_axes(value, origin)?,
            "gantt" => self.gantt = Some(parse_index(key, value, origin)?),
            other => {
                return Err(error(
                    origin,
                    format!("unknown key `{other}`; valid keys: {}", KEYS.join(", ")),
                ))
            }
        }
        Ok(())
    }

    /// Checks what single keys cannot: a model to run, no empty axis, one axis per override key.
    pub fn check(&self, origin: &str) -> Result<()> {
        let empty = [
            ("models", self.models.is_empty()),
            ("targets", self.targets.is_empty()),
            ("batches", self.batches.is_empty()),
            ("pipelines", self.pipelines.is_empty()),
            ("schedulers", self.schedulers.is_empty()),
        ];
        if let Some((key, _)) = empty.iter().find(|(_, is_empty)| *is_empty) {
            return Err(error(
                origin,
                format!("`{key}` is empty; give at least one"),
            ));
        }
        for (i, axis) in self.set.iter().enumerate() {
            if axis.values.is_empty() {
                return Err(error(origin, format!("`set.{}` has no values", axis.key)));
            }
            if self.set[..i].iter().any(|a| a.key == axis.key) {
                return Err(error(origin, format!("`set.{}` is given twice", axis.key)));
            }
        }
        Ok(())
    }

    /// The model file of model `index`, resolved against [`Sweep::base_dir`].
    pub fn model_path(&self, index: usize) -> PathBuf {
        self.base_dir.join(&self.models[index])
    }

    /// The target of target `index` as [`pim_runtime::target::Target::load`] takes it: a preset
    /// name, or a path resolved against [`Sweep::base_dir`].
    pub fn target_source(&self, index: usize) -> String {
        let name = &self.targets[index];
        if pim_runtime::target::Target::preset_names().contains(&name.as_str()) {
            return name.clone();
        }
        self.base_dir.join(name).display().to_string()
    }

    /// The sweep as JSON (the header of every output, and what shards must share to merge).
    pub fn to_json(&self) -> serde_json::Value {
        let set: serde_json::Map<String, serde_json::Value> = self
            .set
            .iter()
            .map(|a| (a.key.clone(), serde_json::json!(a.values)))
            .collect();
        serde_json::json!({
            "models": self.models,
            "targets": self.targets,
            "set": set,
            "batches": self.batches,
            "pipelines": self.pipelines.iter().map(|p| Pipeline::choice_name(*p)).collect::<Vec<_>>(),
            "schedulers": self.schedulers.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "gantt": self.gantt,
        })
    }
}

/// A value that must be a list (a single value is a list of one).
fn list(key: &str, value: &toml::Value, origin: &str) -> Result<Vec<toml::Value>> {
    match value {
        toml::Value::Array(items) => Ok(items.clone()),
        toml::Value::Table(_) => Err(error(
            origin,
            format!("`{key}` must be a list of values, not a table"),
        )),
        single => Ok(vec![single.clone()]),
    }
}

/// Every item of a list as a string.
fn strings(key: &str, items: &[toml::Value], origin: &str) -> Result<Vec<String>> {
    items
        .iter()
        .map(|v| {
            v.as_str().map(str::to_owned).ok_or_else(|| {
                error(
                    origin,
                    format!("`{key}`: `{v}` is not a string (write it in quotes)"),
                )
            })
        })
        .collect()
}

/// Every item parsed by `parse`, whose error names the item.
pub fn parse_each<T>(
    key: &str,
    items: &[String],
    origin: &str,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<Vec<T>> {
    items
        .iter()
        .map(|item| parse(item.trim()).map_err(|m| error(origin, format!("`{key}`: {m}"))))
        .collect()
}

/// A batch size: a whole number of at least 1.
pub fn parse_batch(text: &str) -> std::result::Result<u64, String> {
    match text.parse::<u64>() {
        Ok(batch) if batch >= 1 => Ok(batch),
        _ => Err(format!(
            "`{text}` is not a batch (a whole number, at least 1)"
        )),
    }
}

/// A scheduler name.
pub fn parse_scheduler(text: &str) -> std::result::Result<Scheduler, String> {
    Scheduler::named(text).ok_or_else(|| format!("`{text}` is not a scheduler: paper or pimc"))
}

/// A point index.
fn parse_index(key: &str, value: &toml::Value, origin: &str) -> Result<usize> {
    value
        .as_integer()
        .and_then(|i| usize::try_from(i).ok())
        .ok_or_else(|| error(origin, format!("`{key}`: `{value}` is not a point index")))
}

/// The `[set]` table: `section.field = value or [values]`, flattened to `section.field` axes, and
/// quoted linked keys `"a.x+b.y" = [values]`.
fn set_axes(value: &toml::Value, origin: &str) -> Result<Vec<Axis>> {
    let Some(sections) = value.as_table() else {
        return Err(error(
            origin,
            "`set` must be a table of `section.field = [values]`".into(),
        ));
    };
    let mut axes = Vec::new();
    for (section, fields) in sections {
        if section.contains('.') {
            // A quoted full key, e.g. "chip.tiles_x+chip.tiles_y" = [6, 9].
            let values = list(&format!("set.{section}"), fields, origin)?;
            axes.push(Axis {
                key: section.clone(),
                values,
            });
            continue;
        }
        let Some(fields) = fields.as_table() else {
            return Err(error(
                origin,
                format!("`set.{section}`: give `set.{section}.<field> = [values]`"),
            ));
        };
        for (field, values) in fields {
            let key = format!("{section}.{field}");
            let values = list(&format!("set.{key}"), values, origin)?;
            axes.push(Axis { key, values });
        }
    }
    Ok(axes)
}
