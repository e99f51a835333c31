//! Errors from loading and validating a target description.

use thiserror::Error;

/// Everything that can be wrong with a target description.
///
/// `origin` is where the description came from (`preset compact-4x4`, a file path, or
/// `target <name>` when [`Target::validate`](super::Target::validate) is called on a value).
/// Every message names the offending field and says what to do.
#[derive(Debug, Error)]
pub enum TargetError {
    /// The text is not valid TOML.
    #[error("{origin}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        /// Where the text came from.
        origin: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// A field that the schema does not have (a typo, or a field of another version).
    #[error(
        "{origin}:{line}:{column}: {message}; remove the field or fix its spelling \
         (the schema is in docs/targets.md)"
    )]
    UnknownField {
        /// Where the text came from.
        origin: String,
        /// 1-based line of the field.
        line: usize,
        /// 1-based column of the field.
        column: usize,
        /// What the deserialiser said (names the field and lists the valid ones).
        message: String,
    },
    /// Valid TOML of the wrong shape: a missing field or section, or a value of the wrong type.
    #[error("{origin}:{line}:{column}: {message}; see docs/targets.md for the schema")]
    Schema {
        /// Where the text came from.
        origin: String,
        /// 1-based line (1 when the parser gives no position, e.g. a missing section).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the deserialiser said.
        message: String,
    },
    /// A target file could not be read.
    #[error("cannot read target file `{path}`: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `Target::preset` / `Target::load` got a name that is not a built-in preset.
    #[error(
        "unknown target preset `{name}`; built-in presets: {available}. \
         To load a file instead, give a path ending in `.toml` or containing `/`"
    )]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The preset names, comma-separated.
        available: String,
    },
    /// `chip.name` is empty.
    #[error("{origin}: `chip.name` is empty; give the target a name")]
    EmptyName {
        /// Where the description came from.
        origin: String,
    },
    /// A count that must be at least 1 is 0 (tiles, PEs, crossbars, rows, columns, bits, lanes, ...).
    #[error("{origin}: `{field}` is 0; {hint}")]
    ZeroCount {
        /// Where the description came from.
        origin: String,
        /// The field, as `section.field`.
        field: &'static str,
        /// What the field means and what to put there.
        hint: &'static str,
    },
    /// The weight precision cannot be split into whole cells.
    #[error(
        "{origin}: `precision.weight_bits` = {weight_bits} is not a multiple of \
         `crossbar.bits_per_cell` = {bits_per_cell}; a weight must span a whole number of cells \
         (use e.g. weight_bits = {suggestion})"
    )]
    WeightBitsNotMultiple {
        /// Where the description came from.
        origin: String,
        /// `precision.weight_bits`.
        weight_bits: u32,
        /// `crossbar.bits_per_cell`.
        bits_per_cell: u32,
        /// The next multiple of `bits_per_cell` at or above `weight_bits`.
        suggestion: u64,
    },
    /// A quantity is larger than the quantity that bounds it.
    #[error("{origin}: `{field}` = {value} exceeds `{limit_field}` = {limit}; {hint}")]
    ExceedsLimit {
        /// Where the description came from.
        origin: String,
        /// The field, as `section.field`.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The bounding field or derived quantity.
        limit_field: &'static str,
        /// The bound.
        limit: u64,
        /// What to do.
        hint: &'static str,
    },
    /// A buffer cannot hold even one crossbar's input vector.
    #[error(
        "{origin}: `{field}` = {bytes} B is smaller than one crossbar input vector of {needed} B \
         (crossbar.rows {rows} x precision.activation_bits {activation_bits} / 8); \
         make it at least {needed} B"
    )]
    BufferTooSmall {
        /// Where the description came from.
        origin: String,
        /// The buffer field, as `section.field`.
        field: &'static str,
        /// Its size, bytes.
        bytes: u64,
        /// The minimum, bytes.
        needed: u64,
        /// `crossbar.rows`.
        rows: u32,
        /// `precision.activation_bits`.
        activation_bits: u32,
    },
    /// A rate (clock, bandwidth) is zero, negative or not a number.
    #[error("{origin}: `{field}` = {value} must be a positive finite number ({unit})")]
    NotPositive {
        /// Where the description came from.
        origin: String,
        /// The field, as `section.field`.
        field: &'static str,
        /// Its value.
        value: f64,
        /// Its unit.
        unit: &'static str,
    },
    /// A cost (latency, energy, power, area) is negative or not a finite number.
    #[error("{origin}: `{field}` = {value} must be a finite number >= 0 ({unit})")]
    NegativeCost {
        /// Where the description came from.
        origin: String,
        /// The field, as `section.field`.
        field: &'static str,
        /// Its value.
        value: f64,
        /// Its unit.
        unit: &'static str,
    },
    /// The ADC resolves more levels than any column sum can produce.
    #[error(
        "{origin}: `crossbar.adc_bits` = {adc_bits} exceeds the {max_bits} bits needed for the \
         largest possible column sum ({rows_parallel} parallel rows x (2^{bits_per_cell} - 1) cell \
         levels x (2^{input_bits} - 1) input levels); such an ADC has levels no input can reach \
         (a typo?): use at most {max_bits}"
    )]
    AdcTooWide {
        /// Where the description came from.
        origin: String,
        /// `crossbar.adc_bits`.
        adc_bits: u32,
        /// Bits of the largest column sum.
        max_bits: u32,
        /// `crossbar.rows_read_in_parallel`.
        rows_parallel: u32,
        /// `crossbar.bits_per_cell`.
        bits_per_cell: u32,
        /// `precision.input_bits_per_cycle`.
        input_bits: u32,
    },
    /// The hierarchy multiplies out to more cells than a `u64` can count.
    #[error("{origin}: the hierarchy is too large: {what} overflows 64 bits; check the counts in [chip] and [crossbar]")]
    TooLarge {
        /// Where the description came from.
        origin: String,
        /// The quantity that overflowed.
        what: &'static str,
    },
    /// More crossbars than the compiler and the simulators keep state for.
    #[error(
        "{origin}: the chip has {crossbars} crossbars; pimc supports at most {max} \
         (the compiler and the simulators keep state per crossbar); check the counts in [chip]"
    )]
    TooManyCrossbars {
        /// Where the description came from.
        origin: String,
        /// Its crossbars.
        crossbars: u64,
        /// The most supported.
        max: u64,
    },
}
