//! Conversion between the Rust types of op attributes and MLIR builtin attributes:
//! `i64` <-> `IntegerAttr` (i64), `f32` <-> `FloatAttr` (f32), `Vec<i64>` <-> `DenseI64ArrayAttr`,
//! `String` <-> `StringAttr`, [`Tensor`] <-> `DenseElementsAttr` (f32).

use melior::{
    ir::{
        attribute::{
            DenseElementsAttribute, DenseI64ArrayAttribute, FloatAttribute, IntegerAttribute,
            StringAttribute,
        },
        r#type::{IntegerType, RankedTensorType},
        Attribute, AttributeLike, Type, TypeLike,
    },
    Context,
};
use pim_runtime::Tensor;

/// How attributes are built.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Constants with more elements than this are built as `dense_resource<__elided__>` (exactly what
    /// MLIR prints when it elides them), so that verifying or printing a module with large weights does
    /// not copy them into MLIR. `None` builds every constant with its data.
    pub elide_above: Option<usize>,
}

/// A Rust value that is stored as one MLIR attribute.
pub trait AttrValue: Sized {
    /// The attribute for this value.
    fn to_attribute<'c>(&self, context: &'c Context, options: BuildOptions) -> Attribute<'c>;
    /// Reads the value back, or says what kind of attribute was expected.
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String>;
}

impl AttrValue for i64 {
    fn to_attribute<'c>(&self, context: &'c Context, _: BuildOptions) -> Attribute<'c> {
        IntegerAttribute::new(IntegerType::new(context, 64).into(), *self).into()
    }
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String> {
        IntegerAttribute::try_from(attribute)
            .map(|a| a.value())
            .map_err(|_| format!("expected an integer attribute, got {attribute}"))
    }
}

impl AttrValue for f32 {
    fn to_attribute<'c>(&self, context: &'c Context, _: BuildOptions) -> Attribute<'c> {
        FloatAttribute::new(context, Type::float32(context), f64::from(*self)).into()
    }
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String> {
        FloatAttribute::try_from(attribute)
            .map(|a| a.value() as f32)
            .map_err(|_| format!("expected a float attribute, got {attribute}"))
    }
}

impl AttrValue for Vec<i64> {
    fn to_attribute<'c>(&self, context: &'c Context, _: BuildOptions) -> Attribute<'c> {
        DenseI64ArrayAttribute::new(context, self).into()
    }
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String> {
        let array = DenseI64ArrayAttribute::try_from(attribute)
            .map_err(|_| format!("expected array<i64: ...>, got {attribute}"))?;
        (0..array.len())
            .map(|i| array.element(i).map_err(|e| e.to_string()))
            .collect()
    }
}

impl AttrValue for String {
    fn to_attribute<'c>(&self, context: &'c Context, _: BuildOptions) -> Attribute<'c> {
        StringAttribute::new(context, self).into()
    }
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String> {
        StringAttribute::try_from(attribute)
            .map(|a| a.value().to_owned())
            .map_err(|_| format!("expected a string attribute, got {attribute}"))
    }
}

/// The MLIR type `tensor<d0x...xf32>` of a shape.
pub fn tensor_type<'c>(context: &'c Context, shape: &[usize]) -> Type<'c> {
    let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    RankedTensorType::new(&dims, Type::float32(context), None).into()
}

/// The static shape of a `tensor<...xf32>` type.
pub fn shape_of(r#type: Type<'_>) -> Result<Vec<usize>, String> {
    use melior::ir::r#type::{DimSize, ShapedTypeLike};
    let tensor = RankedTensorType::try_from(r#type)
        .map_err(|_| format!("expected a ranked tensor type, got {type}"))?;
    // SAFETY: a plain query on a valid type handle.
    if !unsafe { mlir_sys::mlirTypeIsAF32(tensor.element().to_raw()) } {
        return Err(format!("only f32 tensors are supported, got {type}"));
    }
    (0..tensor.rank())
        .map(|i| match tensor.dim_size(i) {
            Ok(DimSize::Static(d)) => usize::try_from(d).map_err(|e| e.to_string()),
            Ok(DimSize::Dynamic) => Err(format!(
                "dynamic dimension {i} in {type}: shapes must be static"
            )),
            Err(e) => Err(e.to_string()),
        })
        .collect()
}

/// The attribute of an f32 tensor of `shape` holding `data` (row-major): a splat when every
/// element is the same, elided (`dense_resource<__elided__>`) when `options` elide tensors that
/// large, else the dense elements. Copies the data only when it is printed in full.
pub fn f32_tensor_attribute<'c>(
    context: &'c Context,
    shape: &[usize],
    data: &[f32],
    options: BuildOptions,
) -> Attribute<'c> {
    let splat = data
        .first()
        .copied()
        .filter(|f| data.iter().all(|v| v.to_bits() == f.to_bits()));
    tensor_attribute(context, shape, data, splat, options)
}

/// [`f32_tensor_attribute`] with the splat value known.
fn tensor_attribute<'c>(
    context: &'c Context,
    shape: &[usize],
    data: &[f32],
    splat: Option<f32>,
    options: BuildOptions,
) -> Attribute<'c> {
    let r#type = tensor_type(context, shape);
    if let Some(first) = splat {
        return DenseElementsAttribute::f32_splat(r#type, first).into();
    }
    if options.elide_above.is_some_and(|limit| data.len() > limit) {
        if let Some(elided) =
            Attribute::parse(context, &format!("dense_resource<__elided__> : {type}"))
        {
            return elided;
        }
    }
    DenseElementsAttribute::raw_buffer(r#type, &pim_runtime::tensor::f32_le_bytes(data)).into()
}

impl AttrValue for Tensor {
    fn to_attribute<'c>(&self, context: &'c Context, options: BuildOptions) -> Attribute<'c> {
        tensor_attribute(
            context,
            self.shape(),
            self.data(),
            self.splat_value(),
            options,
        )
    }
    fn from_attribute(attribute: Attribute<'_>) -> Result<Self, String> {
        // SAFETY: plain queries on a valid attribute handle.
        if unsafe { mlir_sys::mlirAttributeIsADenseResourceElements(attribute.to_raw()) } {
            return Err(format!(
                "the constant {attribute} has no data (it was elided when printed); \
                 dump it with --mlir-elide-elementsattrs-if-larger=0 to keep the weights"
            ));
        }
        let dense = DenseElementsAttribute::try_from(attribute)
            .map_err(|_| format!("expected dense f32 elements, got {attribute}"))?;
        let shape = shape_of(dense.r#type())?;
        let len: usize = shape.iter().product();
        let data = if dense.is_splat() {
            vec![dense.f32_splat_value(); len]
        } else {
            // SAFETY: a non-splat dense f32 attribute of `len` elements stores them packed,
            // 4 bytes each, at `raw_data()`; the attribute outlives this copy.
            let bytes =
                unsafe { std::slice::from_raw_parts(dense.raw_data().cast::<u8>(), len * 4) };
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        };
        Tensor::new(shape, data).ok_or_else(|| "dense attribute size mismatch".to_owned())
    }
}
