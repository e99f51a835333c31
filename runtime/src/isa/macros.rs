//! `isa_table!`: turns the instruction table of `table.rs` into the [`Opcode`] and
//! [`Instruction`] enums, the encoder, the decoder, the disassembler (`Display`), the
//! assembler (`FromStr`), the cost lookup, the field metadata that `docs/isa.md` is checked
//! against and the dynamic field access (`field_values`, `from_field_values`) that the `isa` MLIR
//! dialect is built from. Nothing about an individual instruction is written anywhere else.
//!
//! [`Opcode`]: super::Opcode
//! [`Instruction`]: super::Instruction

/// Generates everything from the table. Input, per instruction:
///
/// ```text
/// /// One-line description.
/// 0x21 => Mvm "mvm" Mvm {
///     /// Field description.
///     xbar: u32 [20, Crossbar],
///     ...
/// }
/// ```
///
/// i.e. opcode byte, variant name, mnemonic, cost class, then the fields in encoding order with
/// their Rust type, bit width and [`FieldKind`](super::FieldKind).
macro_rules! isa_table {
    (
        $(
            $(#[doc = $doc:literal])+
            $code:literal => $variant:ident $mnemonic:literal $cost:ident {
                $( $(#[doc = $fdoc:literal])+ $field:ident : $ty:ty [$width:literal, $kind:ident] ),* $(,)?
            }
        )+
    ) => {
        /// The opcode of an instruction: the low byte of its word.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $( $(#[doc = $doc])+ $variant = $code, )+
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant),+];

            /// The opcode with this byte, if any.
            pub fn from_byte(byte: u8) -> Option<Opcode> {
                match byte { $( $code => Some(Opcode::$variant), )+ _ => None }
            }

            /// The opcode byte.
            pub fn byte(self) -> u8 {
                self as u8
            }

            /// The assembly mnemonic.
            pub fn mnemonic(self) -> &'static str {
                match self { $( Opcode::$variant => $mnemonic, )+ }
            }

            /// The opcode with this mnemonic, if any.
            pub fn from_mnemonic(mnemonic: &str) -> Option<Opcode> {
                match mnemonic { $( $mnemonic => Some(Opcode::$variant), )+ _ => None }
            }

            /// What the cost model and the timing simulator charge the instruction as.
            pub fn cost_class(self) -> CostClass {
                match self { $( Opcode::$variant => CostClass::$cost, )+ }
            }

            /// The table's description of the instruction.
            pub fn doc(self) -> &'static str {
                match self { $( Opcode::$variant => concat!($($doc),+).trim(), )+ }
            }

            /// The fields, in encoding order (from bit 8 upward).
            pub fn fields(self) -> &'static [FieldInfo] {
                match self {
                    $( Opcode::$variant => &[ $( FieldInfo {
                        name: stringify!($field),
                        width: $width,
                        kind: FieldKind::$kind,
                        ty: stringify!($ty),
                        doc: concat!($($fdoc),+),
                        class: <$ty as $crate::isa::value::AsField>::CLASS,
                    } ),* ], )+
                }
            }
        }

        // Every instruction fits its word and every field width suits its type.
        $(
            #[allow(clippy::int_plus_one)]
            const _: () = {
                assert!(OPCODE_BITS $(+ $width)* <= WORD_BITS, concat!($mnemonic, ": fields exceed the word"));
                $( assert!(
                    $width >= <$ty as FieldValue>::MIN_WIDTH && $width <= <$ty as FieldValue>::MAX_WIDTH,
                    concat!($mnemonic, ".", stringify!($field), ": width does not suit its type")
                ); )*
            };
        )+

        /// One machine instruction with typed fields. See `docs/isa.md` for the semantics.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Instruction {
            $(
                $(#[doc = $doc])+
                $variant {
                    $( $(#[doc = $fdoc])+ $field: $ty, )*
                },
            )+
        }

        impl Instruction {
            /// The instruction's opcode.
            pub fn opcode(&self) -> Opcode {
                match self { $( Instruction::$variant { .. } => Opcode::$variant, )+ }
            }

            /// Encodes the instruction; a field that does not fit its width is an error.
            pub fn encode(&self) -> Result<Word, IsaError> {
                match self {
                    $( Instruction::$variant { $($field),* } => {
                        #[allow(unused_mut)]
                        let mut w = WordWriter::new($code, $mnemonic);
                        $( w.put(stringify!($field), $field, $width)?; )*
                        Ok(w.finish())
                    } )+
                }
            }

            /// Decodes one word; `offset` (the word's byte offset in its stream) goes into errors.
            pub fn decode(word: &Word, offset: usize) -> Result<Instruction, IsaError> {
                let byte = word.opcode();
                let opcode = Opcode::from_byte(byte)
                    .ok_or(IsaError::UnknownOpcode { offset, opcode: byte })?;
                match opcode {
                    $( Opcode::$variant => {
                        #[allow(unused_mut)]
                        let mut r = WordReader::new(word, offset, $mnemonic);
                        let inst = Instruction::$variant {
                            $( $field: r.take(stringify!($field), $width)?, )*
                        };
                        r.finish()?;
                        Ok(inst)
                    } )+
                }
            }

            /// Parses the fields of `opcode` from `field=value` pairs.
            pub(crate) fn parse_fields(opcode: Opcode, args: &mut AsmArgs<'_>) -> Result<Instruction, String> {
                match opcode {
                    $( Opcode::$variant => Ok(Instruction::$variant {
                        $( $field: args.take(stringify!($field), $width)?, )*
                    }), )+
                }
            }

            /// The fields' values in table order, each with its name: the dynamic form of the
            /// instruction ([`Instruction::from_field_values`] inverts it).
            pub fn field_values(&self) -> Vec<(&'static str, $crate::isa::Field)> {
                let mut values = Vec::new();
                self.for_each_field(|name, field| values.push((name, field)));
                values
            }

            /// Calls `visit` with each field's name and value in table order (what
            /// [`Instruction::field_values`] collects, without allocating).
            pub fn for_each_field(&self, mut visit: impl FnMut(&'static str, $crate::isa::Field)) {
                match self {
                    $( Instruction::$variant { $($field),* } => {
                        $( visit(stringify!($field), $crate::isa::value::AsField::to_field($field)); )*
                    } )+
                }
            }

            /// Builds an instruction of `opcode` from its fields' values: `get` is asked, in table
            /// order, for each field by name and [`FieldClass`](super::FieldClass). The result
            /// encodes: a value that does not fit its field is an error, as in
            /// [`Instruction::encode`].
            pub fn from_field_values(
                opcode: Opcode,
                get: &mut dyn FnMut(&'static str, $crate::isa::FieldClass) -> Result<$crate::isa::Field, String>,
            ) -> Result<Instruction, String> {
                let inst = match opcode {
                    $( Opcode::$variant => Instruction::$variant {
                        $( $field: $crate::isa::value::take_field(get, stringify!($field))?, )*
                    }, )+
                };
                inst.encode().map_err(|e| e.to_string())?;
                Ok(inst)
            }

            /// A legal instruction of `opcode` built from seeds (property tests).
            #[cfg(test)]
            pub(crate) fn from_seeds(opcode: Opcode, seeds: &[u64]) -> Instruction {
                #[allow(unused_mut, unused_variables)]
                let mut seeds = seeds.iter().copied().cycle();
                match opcode {
                    $( Opcode::$variant => Instruction::$variant {
                        $( $field: <$ty as FieldValue>::from_seed(seeds.next().unwrap_or(0), $width), )*
                    }, )+
                }
            }
        }

        impl std::fmt::Display for Instruction {
            /// One line of assembly: `mnemonic field=value, field=value, ...`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $( Instruction::$variant { $($field),* } => {
                        #[allow(unused_mut)]
                        let mut w = AsmWriter::new($mnemonic);
                        $( w.field(stringify!($field), $field, FieldKind::$kind); )*
                        f.write_str(&w.finish())
                    } )+
                }
            }
        }
    };
}
