//! [`ProgramError`]: everything the program description, the schedulers and the evaluator can
//! refuse, each message naming the layer, stage or mode concerned and what to do about it.

/// An error of the program description (layer extraction, mapping), of scheduling or of reading a
/// schedule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramError {
    /// The schedule's batch is zero.
    #[error("the batch must be at least 1 image")]
    ZeroBatch,
    /// A value's element count is not a whole number of images.
    #[error(
        "node `{node}`: {what} ({count}) is not a multiple of the batch ({batch}) of the IR; \
         import the model with dimension 0 of its inputs as the batch"
    )]
    NotPerImage {
        /// The node's name.
        node: String,
        /// What was divided (e.g. "input vectors").
        what: &'static str,
        /// The count.
        count: u64,
        /// The IR's batch (dimension 0 of the first input).
        batch: u64,
    },
    /// A `pim.mvm` with a non-positive or inconsistent attribute.
    #[error("layer `{layer}`: {message}")]
    InvalidLayer {
        /// The layer's name.
        layer: String,
        /// What is wrong.
        message: String,
    },
    /// An op uses a value that no earlier op or input defines (the function is not in
    /// topological order).
    #[error("node `{node}` uses value {value}, which is not defined before it")]
    NotTopological {
        /// The node's name.
        node: String,
        /// The value id.
        value: usize,
    },
    /// `--pipeline full` on a network whose weights do not fit the chip.
    #[error(
        "pipeline `full` needs {needed} {unit} to hold all weights, the target `{target}` has \
         {available}: use --pipeline reuse (the weight-reuse pipeline: segments loaded \
         once per batch) or a larger target"
    )]
    DoesNotFit {
        /// Crossbars (or tiles) the network needs.
        needed: u64,
        /// Crossbars (or tiles) the target has.
        available: u64,
        /// "crossbars" or "tiles".
        unit: &'static str,
        /// The target's name.
        target: String,
    },
    /// One layer needs more than the whole chip even when cut into column parts.
    #[error(
        "layer `{layer}` cannot be mapped: one column of its weight matrix needs {needed} {unit}, \
         the target `{target}` has {available}"
    )]
    LayerTooLarge {
        /// The layer's name.
        layer: String,
        /// Crossbars (or tiles) one weight column needs.
        needed: u64,
        /// Crossbars (or tiles) the target has.
        available: u64,
        /// "crossbars" or "tiles".
        unit: &'static str,
        /// The target's name.
        target: String,
    },
    /// A schedule (written by the passes or by hand) that the target cannot run or that does
    /// not describe the network.
    #[error("{0}")]
    InvalidSchedule(String),
}
