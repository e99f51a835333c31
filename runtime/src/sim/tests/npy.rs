//! `.npy` reading and writing, and output file names.

use npyz::{Order, WriterBuilder};

use super::*;
use crate::sim::{npy_bytes, output_file_names, parse_npy};

/// `.npy` bytes of `data` with `shape`, in `order`, as element type `T`.
fn npy_of<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    shape: &[u64],
    data: &[T],
    order: Order,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(shape)
        .order(order)
        .writer(&mut out)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    out
}

#[test]
fn round_trip() {
    let t = random(&[2, 3, 4], 70);
    assert_eq!(parse_npy(&npy_bytes(&t).unwrap(), "t.npy").unwrap(), t);
    let scalar = Tensor::scalar(1.5);
    assert_eq!(
        parse_npy(&npy_bytes(&scalar).unwrap(), "s.npy").unwrap(),
        scalar
    );
}

#[test]
fn fortran_order_is_read_row_major() {
    // The 2x3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
    let bytes = npy_of(&[2, 3], &[1f32, 4., 2., 5., 3., 6.], Order::Fortran);
    let t = parse_npy(&bytes, "f.npy").unwrap();
    assert_eq!(t, tensor(&[2, 3], vec![1., 2., 3., 4., 5., 6.]));
}

#[test]
fn other_dtypes_are_rejected() {
    let err = parse_npy(&npy_of(&[2], &[1f64, 2.], Order::C), "x.npy").unwrap_err();
    assert_eq!(
        err.to_string(),
        "x.npy: dtype `<f8` is not f32; convert the array with `.astype(numpy.float32)`"
    );
    let err = parse_npy(&npy_of(&[2], &[1i32, 2], Order::C), "i.npy").unwrap_err();
    assert!(matches!(err, SimError::NpyDType { .. }), "{err:?}");
}

#[test]
fn malformed_files_are_errors() {
    let err = parse_npy(b"not numpy", "bad.npy").unwrap_err();
    assert!(
        err.to_string().starts_with("bad.npy: not a .npy file"),
        "{err}"
    );
    let mut truncated = npy_bytes(&random(&[8], 71)).unwrap();
    truncated.truncate(truncated.len() - 4);
    assert!(matches!(
        parse_npy(&truncated, "t.npy"),
        Err(SimError::Npy { .. })
    ));
}

#[test]
fn output_file_names_are_sanitised_and_unique() {
    let names = output_file_names(&["y", "a/b:c", "..", "", "Y", "y"]);
    assert_eq!(
        names,
        [
            "y.npy",
            "a_b_c.npy",
            "_...npy",
            "_.npy",
            "Y_2.npy",
            "y_3.npy"
        ]
    );
}
