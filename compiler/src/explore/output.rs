//! The outputs of a sweep: `results.json` (the sweep, its chips, and per point its coordinates and
//! full cost report, or the error that point met), `results.csv` (one row per point, every key of
//! the JSON flattened to a column: `point.*`, `error`, `report.*`), and `chips/chip-N.toml` (each
//! chip's target, for rerunning one point with `pimc --target`). Both files are a pure function of
//! the results, so a run, its shards merged, and a rerun give the same bytes.

use super::overrides::Chip;
use crate::{Error, Result};
use serde_json::{json, Value};
use std::path::Path;

/// The results of a sweep (or of one shard of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The sweep ([`super::spec::Sweep::to_json`]).
    pub sweep: Value,
    /// Points in the whole sweep.
    pub total: usize,
    /// `i/n` for a shard, `None` for a whole sweep.
    pub shard: Option<String>,
    /// Per chip: label, target, overrides, and its target TOML.
    pub chips: Vec<Value>,
    /// Per point, in index order: `{"point": {...}, "report": {...}}` or
    /// `{"point": {...}, "error": "..."}`.
    pub points: Vec<Value>,
}

/// A chip as stored in the results.
pub fn chip_json(chip: &Chip) -> Value {
    let set: serde_json::Map<String, Value> = chip
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "label": chip.label(),
        "target": chip.base,
        "set": set,
        "toml": chip.target.to_toml_string(),
    })
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Results {
    /// The JSON document.
    pub fn to_json(&self) -> String {
        let document = json!({
            "sweep": self.sweep,
            "total_points": self.total,
            "shard": self.shard,
            "chips": self.chips,
            "points": self.points,
        });
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The CSV table: a header of every flattened key (in order of first appearance), one row per
    /// point, empty cells for keys a point lacks.
    pub fn to_csv(&self) -> Result<String> {
        let rows: Vec<Vec<(String, String)>> = self.points.iter().map(flatten).collect();
        let mut columns: Vec<&str> = Vec::new();
        for (key, _) in rows.iter().flatten() {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let csv_error = |e: csv::Error| Error::Usage(format!("writing CSV: {e}"));
        writer.write_record(&columns).map_err(csv_error)?;
        for row in &rows {
            let cells = columns.iter().map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map_or("", |(_, v)| v.as_str())
            });
            writer.write_record(cells).map_err(csv_error)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::Usage(format!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| Error::Usage(format!("writing CSV: {e}")))
    }

    /// Writes `results.json`, `results.csv` and `chips/chip-N.toml` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let chips = dir.join("chips");
        std::fs::create_dir_all(&chips).map_err(io_error(&chips))?;
        let json_path = dir.join("results.json");
        std::fs::write(&json_path, self.to_json()).map_err(io_error(&json_path))?;
        let csv_path = dir.join("results.csv");
        std::fs::write(&csv_path, self.to_csv()?).map_err(io_error(&csv_path))?;
        for (i, chip) in self.chips.iter().enumerate() {
            let path = chips.join(format!("chip-{i}.toml"));
            let text = chip["toml"].as_str().unwrap_or_default();
            std::fs::write(&path, text).map_err(io_error(&path))?;
        }
        Ok(())
    }
}

/// Reads the `results.json` a sweep or shard wrote into `dir`.
pub fn read_results(dir: &Path) -> Result<Results> {
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
    let bad = |what: &str| {
        Error::Usage(format!(
            "{}: not pimc explore results ({what})",
            path.display()
        ))
    };
    let document: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let list = |key: &str| {
        document[key]
            .as_array()
            .cloned()
            .ok_or_else(|| bad(&format!("no `{key}` list")))
    };
    Ok(Results {
        sweep: document["sweep"].clone(),
        total: document["total_points"]
            .as_u64()
            .ok_or_else(|| bad("no `total_points`"))? as usize,
        shard: document["shard"].as_str().map(str::to_owned),
        chips: list("chips")?,
        points: list("points")?,
    })
}

/// A point's JSON as `(column, cell)` pairs: objects flattened with dots, lists of numbers or
/// strings joined with `;`, lists of objects (segments, layers) as their count (`<key>.count`).
fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut cells = Vec::new();
    flatten_into("", value, &mut cells);
    cells
}

fn flatten_into(prefix: &str, value: &Value, cells: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                flatten_into(&join(key), v, cells);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            cells.push((format!("{prefix}.count"), items.len().to_string()));
        }
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(cell).collect();
            cells.push((prefix.to_owned(), texts.join(";")));
        }
        scalar => cells.push((prefix.to_owned(), cell(scalar))),
    }
}

/// A scalar as a CSV cell: strings bare, everything else as JSON writes it.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
