//! Typed views of the IRDL dialects. Each dialect is one table, written once with the [`dialect!`]
//! macro: the Rust enum, its op mnemonics, operand arities and attribute names all come from it.
//! The IRDL file (`dialects/pim.irdl.mlir`) is the definition MLIR checks; a test compares the two.

pub mod graph;
pub mod pim;

use crate::DialectError;
use melior::{ir::Attribute, Context};

/// How many operands an op takes. IRDL binds one constraint variable to every value of a variadic
/// group (all would need the same type), so pimc's ops have fixed arities only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity(pub usize);

/// The static description of one op, for docs and consistency checks.
#[derive(Debug, Clone, Copy)]
pub struct OpInfo {
    /// The op name without the dialect prefix.
    pub mnemonic: &'static str,
    /// Its operands.
    pub arity: Arity,
    /// Its attribute names, in table order.
    pub attributes: &'static [&'static str],
    /// One line on what it means.
    pub summary: &'static str,
}

/// An op of one pimc dialect, as a typed Rust value.
pub trait DialectOp: Sized + Clone + std::fmt::Debug {
    /// The dialect namespace (`graph`, `pim`, ...).
    const DIALECT: &'static str;
    /// Every op of the dialect.
    const CATALOG: &'static [OpInfo];
    /// This op's mnemonic.
    fn mnemonic(&self) -> &'static str;
    /// This op's operand arity.
    fn arity(&self) -> Arity;
    /// This op's attributes as MLIR attributes.
    fn attributes<'c>(
        &self,
        context: &'c Context,
        options: crate::attr::BuildOptions,
    ) -> Vec<(&'static str, Attribute<'c>)>;
    /// Rebuilds an op from its mnemonic and an attribute lookup.
    fn from_parts<'c>(
        mnemonic: &str,
        attribute: &dyn Fn(&str) -> Result<Attribute<'c>, DialectError>,
    ) -> Result<Self, DialectError>;

    /// The full op name, `dialect.mnemonic`.
    fn op_name(&self) -> String {
        format!("{}.{}", Self::DIALECT, self.mnemonic())
    }
}

/// Declares a dialect's typed op enum from a table:
///
/// ```text
/// dialect! {
///     /// Doc of the enum.
///     pub enum GraphOp = "graph" {
///         /// ONNX Conv.
///         Conv = "conv" (3) { strides: Vec<i64>, group: i64 },
///     }
/// }
/// ```
#[macro_export]
macro_rules! dialect {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident = $dialect:literal {
            $(
                #[doc = $summary:literal]
                $variant:ident = $mnemonic:literal ($arity:literal) {
                    $( $(#[$field_meta:meta])* $field:ident : $type:ty ),* $(,)?
                }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $enum {
            $(
                #[doc = $summary]
                #[allow(missing_docs)] // the attributes are documented in dialects/README.md
                $variant { $( $(#[$field_meta])* $field: $type ),* },
            )*
        }

        impl $crate::ops::DialectOp for $enum {
            const DIALECT: &'static str = $dialect;
            const CATALOG: &'static [$crate::ops::OpInfo] = &[
                $( $crate::ops::OpInfo {
                    mnemonic: $mnemonic,
                    arity: $crate::ops::Arity($arity),
                    attributes: &[$(stringify!($field)),*],
                    summary: $summary,
                }, )*
            ];

            fn mnemonic(&self) -> &'static str {
                match self { $( Self::$variant { .. } => $mnemonic, )* }
            }

            fn arity(&self) -> $crate::ops::Arity {
                match self { $( Self::$variant { .. } => $crate::ops::Arity($arity), )* }
            }

            #[allow(unused_variables)]
            fn attributes<'c>(
                &self,
                context: &'c ::melior::Context,
                options: $crate::attr::BuildOptions,
            ) -> Vec<(&'static str, ::melior::ir::Attribute<'c>)> {
                match self {
                    $( Self::$variant { $($field),* } => vec![
                        $( (stringify!($field), $crate::AttrValue::to_attribute($field, context, options)) ),*
                    ], )*
                }
            }

            #[allow(unused_variables)]
            fn from_parts<'c>(
                mnemonic: &str,
                attribute: &dyn Fn(&str) -> Result<::melior::ir::Attribute<'c>, $crate::DialectError>,
            ) -> Result<Self, $crate::DialectError> {
                match mnemonic {
                    $( $mnemonic => Ok(Self::$variant {
                        $( $field: $crate::ops::read_attribute(
                            concat!($dialect, ".", $mnemonic),
                            stringify!($field),
                            attribute,
                        )? ),*
                    }), )*
                    other => Err($crate::DialectError::Unsupported {
                        location: format!("{}.{}", $dialect, other),
                        message: format!("`{}` is not an op of the {} dialect", other, $dialect),
                    }),
                }
            }
        }
    };
}

/// Reads one attribute of an op through `attribute` and converts it, naming the op and attribute on
/// failure. Used by the code that [`dialect!`] generates.
pub fn read_attribute<'c, T: crate::AttrValue>(
    op: &str,
    name: &str,
    attribute: &dyn Fn(&str) -> Result<Attribute<'c>, DialectError>,
) -> Result<T, DialectError> {
    T::from_attribute(attribute(name)?).map_err(|message| DialectError::Unsupported {
        location: op.to_owned(),
        message: format!("attribute `{name}`: {message}"),
    })
}
