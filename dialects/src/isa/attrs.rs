//! Attributes of `isa` ops: building them from Rust values (instruction [`Field`]s included) and
//! reading them back through [`View`], whose errors name the op and the attribute.

use crate::{attr::AttrValue, BuildOptions, DialectError};
use melior::{
    ir::{
        attribute::{IntegerAttribute, StringAttribute},
        operation::{OperationLike, OperationRef},
        r#type::IntegerType,
        Attribute, AttributeLike,
    },
    Context,
};
use pim_runtime::{
    isa::{Field, FieldClass, MemRef},
    Tensor,
};

/// An `i64` integer attribute.
pub(crate) fn int(context: &Context, value: i64) -> Attribute<'_> {
    value.to_attribute(context, BuildOptions::default())
}

/// An `i64` integer attribute of an unsigned value; `what` names it in the error.
pub(crate) fn unsigned<'c>(
    context: &'c Context,
    value: u64,
    what: &str,
) -> Result<Attribute<'c>, DialectError> {
    i64::try_from(value)
        .map(|v| int(context, v))
        .map_err(|_| unsupported(what, &format!("{value} does not fit an i64 attribute")))
}

/// An `i1` attribute (`true` / `false`).
pub(crate) fn boolean(context: &Context, value: bool) -> Attribute<'_> {
    IntegerAttribute::new(IntegerType::new(context, 1).into(), i64::from(value)).into()
}

/// A string attribute.
pub(crate) fn string<'c>(context: &'c Context, value: &str) -> Attribute<'c> {
    StringAttribute::new(context, value).into()
}

/// The attribute of an instruction field: integers as `i64`, flags as `i1`, enumerations by
/// name and memory operands in the assembly syntax, as strings.
pub(crate) fn field<'c>(context: &'c Context, value: &Field) -> Attribute<'c> {
    match value {
        Field::Int(v) => int(context, *v),
        Field::Bool(v) => boolean(context, *v),
        Field::Enum(name) => string(context, name),
        Field::Memory(m) => string(context, &m.to_string()),
    }
}

/// The error of an op or attribute the `isa` view cannot read.
pub(crate) fn unsupported(location: &str, message: &str) -> DialectError {
    DialectError::Unsupported {
        location: location.to_owned(),
        message: message.to_owned(),
    }
}

/// An op being read: its attributes by name, with errors that say where.
pub(crate) struct View<'c, 'a> {
    op: OperationRef<'c, 'a>,
    /// What the errors call the op (its name, and its place in the code).
    pub location: String,
}

impl<'c, 'a> View<'c, 'a> {
    /// Views `op`; errors are located at `location`.
    pub(crate) fn new(op: OperationRef<'c, 'a>, location: String) -> Self {
        Self { op, location }
    }

    /// An error about this op.
    pub(crate) fn error(&self, message: &str) -> DialectError {
        unsupported(&self.location, message)
    }

    fn attribute(&self, name: &str) -> Result<Attribute<'c>, DialectError> {
        self.op
            .attribute(name)
            .map_err(|_| self.error(&format!("missing attribute `{name}`")))
    }

    /// Attribute `name` as a Rust value.
    pub(crate) fn get<T: AttrValue>(&self, name: &str) -> Result<T, DialectError> {
        T::from_attribute(self.attribute(name)?)
            .map_err(|m| self.error(&format!("attribute `{name}`: {m}")))
    }

    /// Tensor attribute `name`; elided data (`dense_resource<__elided__>`) is an error, since
    /// the program cannot be rebuilt without it.
    pub(crate) fn tensor(&self, name: &str) -> Result<Tensor, DialectError> {
        let attribute = self.attribute(name)?;
        // SAFETY: a plain query on a valid attribute handle.
        if unsafe { mlir_sys::mlirAttributeIsADenseResourceElements(attribute.to_raw()) } {
            return Err(self.error(&format!(
                "the values of `{name}` were elided when the module was printed, so the \
                 program cannot be rebuilt from it; print it without elision (elide_above = \
                 None, --mlir-elide-elementsattrs-if-larger=0)"
            )));
        }
        self.get(name)
    }

    /// String attribute `name` (read without melior's `StringAttribute::value`, which fails
    /// on an empty string).
    pub(crate) fn string(&self, name: &str) -> Result<String, DialectError> {
        let attribute = StringAttribute::try_from(self.attribute(name)?)
            .map_err(|_| self.error(&format!("attribute `{name}` must be a string")))?;
        // SAFETY: a string attribute's value is `length` valid bytes at `data` (any pointer
        // when `length` is 0), alive as long as the context.
        let bytes = unsafe {
            let raw = mlir_sys::mlirStringAttrGetValue(attribute.to_raw());
            if raw.length == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(raw.data.cast::<u8>(), raw.length)
            }
        };
        String::from_utf8(bytes.to_vec())
            .map_err(|_| self.error(&format!("attribute `{name}` is not UTF-8")))
    }

    /// Integer attribute `name` as an unsigned value of type `T`.
    pub(crate) fn unsigned<T: TryFrom<i64>>(&self, name: &str) -> Result<T, DialectError> {
        let value: i64 = self.get(name)?;
        T::try_from(value).map_err(|_| {
            self.error(&format!(
                "attribute `{name}` = {value} is negative or too large"
            ))
        })
    }

    /// Flag attribute `name`.
    pub(crate) fn boolean(&self, name: &str) -> Result<bool, DialectError> {
        self.get::<i64>(name).map(|v| v != 0)
    }

    /// String attribute `name`, one of `names`, as the matching element of `values`.
    pub(crate) fn one_of<T: Copy>(
        &self,
        name: &str,
        values: &[T],
        names: &[&str],
    ) -> Result<T, DialectError> {
        let text = self.string(name)?;
        super::schema::value_of(values, names, &text).ok_or_else(|| {
            self.error(&format!(
                "attribute `{name}` = \"{text}\" is not one of {}",
                names.join(", ")
            ))
        })
    }

    /// Instruction field `name` of `class`, from its attribute.
    pub(crate) fn field(&self, name: &str, class: FieldClass) -> Result<Field, String> {
        let read = || -> Result<Field, DialectError> {
            Ok(match class {
                FieldClass::Unsigned | FieldClass::Signed => Field::Int(self.get(name)?),
                FieldClass::Bool => Field::Bool(self.boolean(name)?),
                FieldClass::Enum(_) => Field::Enum(self.string(name)?),
                FieldClass::Memory => Field::Memory(
                    self.string(name)?
                        .parse::<MemRef>()
                        .map_err(|m| self.error(&format!("attribute `{name}`: {m}")))?,
                ),
            })
        };
        read().map_err(|e| match e {
            DialectError::Unsupported { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// Errors on an attribute that is not in `names` (it would be lost).
    pub(crate) fn only(&self, names: &[&str]) -> Result<(), DialectError> {
        for (identifier, _) in self.op.attributes() {
            let name = identifier.as_string_ref().as_str().unwrap_or("");
            if !names.contains(&name) {
                return Err(self.error(&format!(
                    "unknown attribute `{name}` (its attributes are: {})",
                    names.join(", ")
                )));
            }
        }
        Ok(())
    }
}
