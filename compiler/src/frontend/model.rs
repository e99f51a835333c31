//! Decoding an ONNX file into its protobuf model and finding its default-domain opset.

use crate::{Error, Result};
use onnx_protobuf::{Message, ModelProto};

/// Decodes `bytes` (the content of `path`) as an ONNX model.
pub fn decode(bytes: &[u8], path: &str) -> Result<ModelProto> {
    let model_error = |message: String| Error::Model {
        path: path.to_owned(),
        message,
    };
    if bytes.is_empty() {
        return Err(model_error(
            "the file is empty; expected an ONNX model".into(),
        ));
    }
    let model = ModelProto::parse_from_bytes(bytes).map_err(|e| {
        model_error(format!("not a valid ONNX model (protobuf decoding failed: {e}); the file may be truncated or not ONNX"))
    })?;
    if model.graph.is_none() {
        return Err(model_error(
            "the model has no graph; the file may be truncated or not ONNX".into(),
        ));
    }
    if model.opset_import.is_empty() {
        return Err(model_error("the model declares no opset (opset_import is empty); the file may be truncated or not ONNX".into()));
    }
    Ok(model)
}

/// The model's opset for the default ONNX domain, checked against [`super::OPSETS`].
pub fn default_opset(model: &ModelProto, path: &str) -> Result<i64> {
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or_else(|| Error::Model {
            path: path.to_owned(),
            message: "the model imports no opset of the default ONNX domain".into(),
        })?;
    if !super::OPSETS.contains(&opset) {
        return Err(Error::Model {
            path: path.to_owned(),
            message: format!(
                "opset {opset} is not supported: pimc imports opsets {} to {}; convert the model with \
                 onnx.version_converter",
                super::OPSETS.start(),
                super::OPSETS.end()
            ),
        });
    }
    Ok(opset)
}
