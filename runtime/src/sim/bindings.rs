//! Input and output bindings: the host writes every input tensor into DRAM at its binding's
//! address (row-major, in the binding's ONNX shape) before the run and reads every output after
//! it. Inputs are checked first: each input binding given exactly once, no unknown names, shapes
//! equal to the bindings'.

use super::machine::Machine;
use super::SimError;
use crate::container::{Binding, Direction, Program};
use crate::Tensor;

/// The bindings of `direction`, in program order.
fn of(program: &Program, direction: Direction) -> impl Iterator<Item = &Binding> {
    program
        .bindings
        .iter()
        .filter(move |b| b.direction == direction)
}

/// `name [shape], ...` of the input bindings, for messages.
fn input_list(program: &Program) -> String {
    let list: Vec<String> = of(program, Direction::Input)
        .map(|b| format!("{} {:?}", b.name, b.shape))
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// Checks `inputs` against the program's input bindings and writes them into DRAM.
pub(crate) fn write_inputs<S: AsRef<str>>(
    machine: &mut Machine<'_>,
    program: &Program,
    inputs: &[(S, Tensor)],
) -> Result<(), SimError> {
    let tensors = check_inputs(program, inputs)?;
    for (binding, tensor) in tensors {
        machine.host_write(binding.dram_addr, tensor.data());
    }
    Ok(())
}

/// Every input binding with its tensor, or the first problem.
fn check_inputs<'a, S: AsRef<str>>(
    program: &'a Program,
    inputs: &'a [(S, Tensor)],
) -> Result<Vec<(&'a Binding, &'a Tensor)>, SimError> {
    for (i, (name, _)) in inputs.iter().enumerate() {
        let name = name.as_ref();
        if !of(program, Direction::Input).any(|b| b.name == name) {
            return Err(SimError::UnknownInput {
                name: name.into(),
                inputs: input_list(program),
            });
        }
        if inputs[..i].iter().any(|(n, _)| n.as_ref() == name) {
            return Err(SimError::DuplicateInput { name: name.into() });
        }
    }
    of(program, Direction::Input)
        .map(|b| {
            let (_, t) = inputs
                .iter()
                .find(|(n, _)| n.as_ref() == b.name)
                .ok_or_else(|| SimError::MissingInput {
                    name: b.name.clone(),
                    shape: b.shape.clone(),
                    inputs: input_list(program),
                })?;
            let matches = t.shape().len() == b.shape.len()
                && t.shape().iter().zip(&b.shape).all(|(&g, &e)| g as u64 == e);
            if !matches {
                return Err(SimError::ShapeMismatch {
                    name: b.name.clone(),
                    expected: b.shape.clone(),
                    given: t.shape().to_vec(),
                });
            }
            Ok((b, t))
        })
        .collect()
}

/// Every output binding's tensor, read from DRAM, in program order.
pub(crate) fn read_outputs(
    machine: &Machine<'_>,
    program: &Program,
) -> Result<Vec<(String, Tensor)>, SimError> {
    of(program, Direction::Output)
        .map(|b| {
            let too_large = || SimError::OutputShape {
                name: b.name.clone(),
                shape: b.shape.clone(),
            };
            let shape = b
                .shape
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| too_large()))
                .collect::<Result<Vec<usize>, _>>()?;
            let len = shape
                .iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .ok_or_else(too_large)?;
            let mut data = vec![0.0; len];
            machine.host_read(b.dram_addr, &mut data);
            let tensor = Tensor::new(shape, data).ok_or_else(too_large)?;
            Ok((b.name.clone(), tensor))
        })
        .collect()
}
