//! Typed access to a node's attributes with ONNX defaults; a wrong type is an error naming the
//! attribute.

use super::known::{from_proto, Known};
use onnx_protobuf::{attribute_proto::AttributeType, AttributeProto, NodeProto};

/// The attributes of one node.
pub struct Attributes<'a> {
    node: &'a NodeProto,
}

impl<'a> Attributes<'a> {
    /// Wraps the attributes of `node`.
    pub fn new(node: &'a NodeProto) -> Self {
        Self { node }
    }

    fn get(
        &self,
        name: &str,
        expected: AttributeType,
    ) -> Result<Option<&'a AttributeProto>, String> {
        match self.node.attribute.iter().find(|a| a.name == name) {
            None => Ok(None),
            Some(a) if a.type_.enum_value() == Ok(expected) => Ok(Some(a)),
            Some(a) => Err(format!(
                "attribute `{name}` has type {:?}, expected {expected:?}",
                a.type_
            )),
        }
    }

    /// Whether the attribute is present.
    pub fn has(&self, name: &str) -> bool {
        self.node.attribute.iter().any(|a| a.name == name)
    }

    /// An integer attribute, or `default`.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, String> {
        Ok(self.get(name, AttributeType::INT)?.map_or(default, |a| a.i))
    }

    /// A float attribute, or `default`.
    pub fn float(&self, name: &str, default: f32) -> Result<f32, String> {
        Ok(self
            .get(name, AttributeType::FLOAT)?
            .map_or(default, |a| a.f))
    }

    /// An integer-list attribute, if present.
    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, String> {
        Ok(self.get(name, AttributeType::INTS)?.map(|a| a.ints.clone()))
    }

    /// A float-list attribute, if present.
    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, String> {
        Ok(self
            .get(name, AttributeType::FLOATS)?
            .map(|a| a.floats.clone()))
    }

    /// A string attribute, or `default`.
    pub fn string(&self, name: &str, default: &str) -> Result<String, String> {
        Ok(self.get(name, AttributeType::STRING)?.map_or_else(
            || default.to_owned(),
            |a| String::from_utf8_lossy(&a.s).into_owned(),
        ))
    }

    /// A tensor attribute, if present.
    pub fn tensor(&self, name: &str) -> Result<Option<Known>, String> {
        match self.get(name, AttributeType::TENSOR)? {
            None => Ok(None),
            Some(a) => match a.t.as_ref() {
                Some(t) => from_proto(t).map(Some),
                None => Err(format!("attribute `{name}` holds no tensor")),
            },
        }
    }

    /// A required integer-list attribute.
    pub fn required_ints(&self, name: &str) -> Result<Vec<i64>, String> {
        self.ints(name)?
            .ok_or_else(|| format!("the required attribute `{name}` is missing"))
    }
}
