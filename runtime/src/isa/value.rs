//! Instruction fields as dynamic values: [`Field`] (a field's value, whatever its Rust type)
//! and [`FieldClass`] (which kind of value a field holds). `isa_table!` generates from them
//! [`Instruction::field_values`](super::Instruction::field_values) and
//! [`Instruction::from_field_values`](super::Instruction::from_field_values), so a consumer
//! that stores instructions in another form (the `isa` MLIR dialect) converts every
//! instruction the same way, without one case per instruction.

use std::fmt;

use super::field::{MemRef, MvmMode, VOp};

/// Which kind of value a field holds; published in [`FieldInfo`](super::FieldInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldClass {
    /// An unsigned integer (`u32`), as [`Field::Int`].
    Unsigned,
    /// A signed integer (`i32`), as [`Field::Int`].
    Signed,
    /// A flag (`bool`), as [`Field::Bool`].
    Bool,
    /// A field enumeration, as [`Field::Enum`]: its assembly names in encoding order.
    Enum(&'static [&'static str]),
    /// A memory operand, as [`Field::Memory`].
    Memory,
}

impl FieldClass {
    /// What a value of the class is, for error messages.
    pub fn describe(self) -> String {
        match self {
            FieldClass::Unsigned => "an unsigned 32-bit integer".to_string(),
            FieldClass::Signed => "a signed 32-bit integer".to_string(),
            FieldClass::Bool => "a boolean".to_string(),
            FieldClass::Enum(names) => format!("one of {}", names.join(", ")),
            FieldClass::Memory => "a memory operand".to_string(),
        }
    }
}

/// The value of one instruction field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// An integer field (unsigned or signed).
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A value of a field enumeration ([`MvmMode`], [`VOp`]) by its assembly name.
    Enum(String),
    /// A memory operand.
    Memory(MemRef),
}

impl fmt::Display for Field {
    /// The value as the assembly syntax writes it (integers in decimal).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Int(v) => write!(f, "{v}"),
            Field::Bool(v) => write!(f, "{v}"),
            Field::Enum(name) => f.write_str(name),
            Field::Memory(m) => write!(f, "{m}"),
        }
    }
}

/// A field type that converts to and from [`Field`].
pub(crate) trait AsField: Sized {
    /// The kind of value the type holds.
    const CLASS: FieldClass;

    /// The value as a [`Field`].
    fn to_field(&self) -> Field;

    /// The value of a [`Field`] of the right class, or why it is not one.
    fn from_field(field: Field) -> Result<Self, String>;
}

fn mismatch(class: FieldClass, field: &Field) -> String {
    format!("expected {}, got `{field}`", class.describe())
}

impl AsField for u32 {
    const CLASS: FieldClass = FieldClass::Unsigned;

    fn to_field(&self) -> Field {
        Field::Int(i64::from(*self))
    }

    fn from_field(field: Field) -> Result<Self, String> {
        match field {
            Field::Int(v) => u32::try_from(v).map_err(|_| mismatch(Self::CLASS, &field)),
            other => Err(mismatch(Self::CLASS, &other)),
        }
    }
}

impl AsField for i32 {
    const CLASS: FieldClass = FieldClass::Signed;

    fn to_field(&self) -> Field {
        Field::Int(i64::from(*self))
    }

    fn from_field(field: Field) -> Result<Self, String> {
        match field {
            Field::Int(v) => i32::try_from(v).map_err(|_| mismatch(Self::CLASS, &field)),
            other => Err(mismatch(Self::CLASS, &other)),
        }
    }
}

impl AsField for bool {
    const CLASS: FieldClass = FieldClass::Bool;

    fn to_field(&self) -> Field {
        Field::Bool(*self)
    }

    fn from_field(field: Field) -> Result<Self, String> {
        match field {
            Field::Bool(v) => Ok(v),
            other => Err(mismatch(Self::CLASS, &other)),
        }
    }
}

impl AsField for MemRef {
    const CLASS: FieldClass = FieldClass::Memory;

    fn to_field(&self) -> Field {
        Field::Memory(*self)
    }

    fn from_field(field: Field) -> Result<Self, String> {
        match field {
            Field::Memory(m) => Ok(m),
            other => Err(mismatch(Self::CLASS, &other)),
        }
    }
}

/// Implements [`AsField`] for field enumerations (by their assembly names).
macro_rules! enum_as_field {
    ($($name:ident),+) => {$(
        impl AsField for $name {
            const CLASS: FieldClass = FieldClass::Enum($name::NAMES);

            fn to_field(&self) -> Field {
                Field::Enum(self.as_str().to_string())
            }

            fn from_field(field: Field) -> Result<Self, String> {
                match field {
                    Field::Enum(name) => name.parse(),
                    other => Err(mismatch(Self::CLASS, &other)),
                }
            }
        }
    )+};
}

enum_as_field!(MvmMode, VOp);

/// Asks `get` for field `name` of type `T` and converts the answer; errors name the field.
pub(crate) fn take_field<T: AsField>(
    get: &mut dyn FnMut(&'static str, FieldClass) -> Result<Field, String>,
    name: &'static str,
) -> Result<T, String> {
    let field = get(name, T::CLASS)?;
    T::from_field(field).map_err(|e| format!("field `{name}`: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::isa::{Instruction, Opcode};

    /// Every instruction survives `field_values` -> `from_field_values`, for a spread of seeds.
    #[test]
    fn field_values_round_trip() {
        for &opcode in Opcode::ALL {
            for seed in 0..64u64 {
                let seeds: Vec<u64> = (0..12).map(|i| seed.wrapping_mul(0x9e37) ^ i).collect();
                let inst = Instruction::from_seeds(opcode, &seeds);
                let values = inst.field_values();
                let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
                let table: Vec<&str> = opcode.fields().iter().map(|f| f.name).collect();
                assert_eq!(names, table);
                let back = Instruction::from_field_values(opcode, &mut |name, _| {
                    Ok(values.iter().find(|(n, _)| *n == name).unwrap().1.clone())
                })
                .unwrap();
                assert_eq!(back, inst);
            }
        }
    }

    #[test]
    fn from_field_values_names_wrong_and_unencodable_fields() {
        let get = |count: i64| {
            move |name: &'static str, class: FieldClass| match (name, class) {
                ("count", FieldClass::Unsigned) => Ok(Field::Int(count)),
                _ => Err(format!("missing `{name}`")),
            }
        };
        let negative = Instruction::from_field_values(Opcode::Loop, &mut get(-1)).unwrap_err();
        assert!(negative.contains("field `count`"), "{negative}");
        let missing = Instruction::from_field_values(Opcode::Signal, &mut get(1)).unwrap_err();
        assert!(missing.contains("missing `event`"), "{missing}");
        let wide = Instruction::from_field_values(Opcode::Mvm, &mut |name, class| match class {
            FieldClass::Memory => Ok(Field::Memory(MemRef::global(0))),
            FieldClass::Enum(names) => Ok(Field::Enum(names[0].to_string())),
            _ if name == "bits" => Ok(Field::Int(1 << 6)),
            _ => Ok(Field::Int(0)),
        })
        .unwrap_err();
        assert!(wide.contains("`bits`"), "{wide}");
        let kind = Instruction::from_field_values(Opcode::Loop, &mut |_, _| Ok(Field::Bool(true)))
            .unwrap_err();
        assert!(kind.contains("expected an unsigned"), "{kind}");
    }
}
