//! Target overrides: `--set section.field=value` (or a sweep file's `[set]`) applied to the
//! target's parsed TOML table, which is then parsed and validated exactly as a target file is, so
//! an override that makes no chip gets the same error a file would, naming the key and value.
//! A linked key `a.x+b.y` sets several fields to each value of one axis (`chip.tiles_x+chip.tiles_y`
//! sweeps square chips). An overridden chip is named by its label (`compact-4x4 chip.tiles_x=2`) unless `chip.name` is
//! set. Unless the overrides set them, `[area]` and `[leakage]` are scaled from the base target's
//! figures by its unit counts ([`Target::scale_area_and_leakage_from`], docs/targets.md §9).

use super::spec::{Axis, Sweep};
use crate::{Error, Result};
use pim_runtime::target::Target;

/// The sections whose fields the area model computes unless an override sets them.
const SCALED_SECTIONS: [&str; 2] = ["area", "leakage"];

/// One chip of the sweep: a target with one value of every override axis.
#[derive(Debug, Clone)]
pub struct Chip {
    /// The target as the sweep names it (preset or file).
    pub base: String,
    /// `(section.field, value)` per override axis, in axis order.
    pub settings: Vec<(String, toml::Value)>,
    /// The resulting, validated target.
    pub target: Target,
}

impl Chip {
    /// A readable name: the base target and its settings.
    pub fn label(&self) -> String {
        std::iter::once(self.base.clone())
            .chain(self.settings.iter().map(|(k, v)| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every chip of the sweep, in point order: targets, then each override axis (the last fastest).
/// Any target or combination of overrides that makes no chip is an error here, before any point
/// runs.
pub fn chips(sweep: &Sweep) -> Result<Vec<Chip>> {
    let mut chips = Vec::new();
    for (index, name) in sweep.targets.iter().enumerate() {
        let (text, origin) = Target::source(&sweep.target_source(index))?;
        let base = Target::from_toml_str(&text, &origin)?;
        for settings in combinations(&sweep.set) {
            let mut chip = Chip {
                base: name.clone(),
                target: base.clone(),
                settings,
            };
            if !chip.settings.is_empty() {
                chip.target = overridden(&text, &origin, &base, &chip.settings)?;
                if !chip
                    .settings
                    .iter()
                    .any(|(keys, _)| keys.split('+').any(|k| k == "chip.name"))
                {
                    chip.target.chip.name = chip.label();
                }
            }
            chips.push(chip);
        }
    }
    Ok(chips)
}

/// The product of the axes' values, the last axis fastest (one empty combination without axes).
fn combinations(axes: &[Axis]) -> Vec<Vec<(String, toml::Value)>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((axis.key.clone(), v.clone()));
                    next
                })
            })
            .collect()
    })
}

/// `base` (TOML `text` from `origin`) with `settings` applied, validated; area and leakage scaled
/// unless set.
fn overridden(
    text: &str,
    origin: &str,
    base: &Target,
    settings: &[(String, toml::Value)],
) -> Result<Target> {
    let described = settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let origin = format!("{origin} with --set {described}");
    let table = parse_table(text, &origin)?;
    let mut target = Target::from_toml_str(&with_settings(table, settings, &origin)?, &origin)?;
    target.scale_area_and_leakage_from(base);
    let explicit: Vec<_> = settings
        .iter()
        .filter(|(keys, _)| {
            keys.split('+').any(|key| {
                SCALED_SECTIONS
                    .iter()
                    .any(|s| key.starts_with(&format!("{s}.")))
            })
        })
        .cloned()
        .collect();
    let scaled = parse_table(&target.to_toml_string(), &origin)?;
    Ok(Target::from_toml_str(
        &with_settings(scaled, &explicit, &origin)?,
        &origin,
    )?)
}

fn parse_table(text: &str, origin: &str) -> Result<toml::Table> {
    text.parse().map_err(|e: toml::de::Error| Error::Sweep {
        origin: origin.to_owned(),
        message: e.message().trim().to_owned(),
    })
}

/// The TOML text of `table` with every setting applied to an existing field.
fn with_settings(
    mut table: toml::Table,
    settings: &[(String, toml::Value)],
    origin: &str,
) -> Result<String> {
    for (keys, value) in settings {
        for key in keys.split('+') {
            set_field(&mut table, key, value).map_err(|message| Error::Sweep {
                origin: origin.to_owned(),
                message,
            })?;
        }
    }
    toml::to_string(&table).map_err(|e| Error::Sweep {
        origin: origin.to_owned(),
        message: e.to_string(),
    })
}

/// Sets `section.field` to `value` (an integer given for a float field becomes a float). Only
/// fields the schema has can be set: the target's own, and `chip.description`.
fn set_field(table: &mut toml::Table, key: &str, value: &toml::Value) -> Result<(), String> {
    let Some((section, field)) = key.split_once('.') else {
        return Err(format!(
            "`{key}={value}`: a key is `section.field`, e.g. chip.tiles_x"
        ));
    };
    let sections: Vec<&str> = table.keys().map(String::as_str).collect();
    let available = sections.join(", ");
    let Some(toml::Value::Table(fields)) = table.get_mut(section) else {
        return Err(format!(
            "`{key}={value}`: the target has no section `[{section}]`; sections: {available}"
        ));
    };
    let optional = section == "chip" && field == "description";
    let value = match (fields.get(field), value) {
        (Some(toml::Value::Float(_)), toml::Value::Integer(i)) => toml::Value::Float(*i as f64),
        (Some(_), v) => v.clone(),
        (None, v) if optional => v.clone(),
        (None, _) => {
            let names: Vec<&str> = fields.keys().map(String::as_str).collect();
            return Err(format!(
                "`{key}={value}`: [{section}] has no field `{field}`; fields: {}",
                names.join(", ")
            ));
        }
    };
    fields.insert(field.to_owned(), value);
    Ok(())
}

/// A `--set key=v1,v2,...` argument as an axis (`key` may link fields: `a.x+b.y`); each value is a TOML value, or a string when it
/// does not parse as one (`crossbar.cell=rram`).
pub fn parse_set(argument: &str) -> std::result::Result<Axis, String> {
    let Some((key, values)) = argument.split_once('=') else {
        return Err(format!(
            "`{argument}`: give section.field=value[,value...], e.g. chip.tiles_x=2,4"
        ));
    };
    let values = values.split(',').map(toml_value).collect();
    Ok(Axis {
        key: key.trim().to_owned(),
        values,
    })
}

/// `text` as a TOML value, or as a string.
fn toml_value(text: &str) -> toml::Value {
    let text = text.trim();
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}
