//! Tests of design-space exploration: sweep parsing and its errors, overrides (through the target's
//! own validation, with area scaled), the point order, shards and their merge, the CSV, and that a
//! point's report is the one the compiler's own pipeline gives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::output::Results;
use super::overrides::{chips, parse_set};
use super::points::points;
use super::run::run;
use super::shard::{merge, Shard};
use super::spec::Sweep;
use crate::schedule::{Pipeline, Scheduler};
use pim_runtime::target::Target;
use std::path::PathBuf;

fn nets() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../test-models/nets"))
}

fn sweep(text: &str) -> Sweep {
    Sweep::from_toml_str(text, "test", nets()).unwrap()
}

fn sweep_error(text: &str) -> String {
    Sweep::from_toml_str(text, "test", nets())
        .unwrap_err()
        .to_string()
}

#[test]
fn sweep_files_give_every_axis() {
    let s = sweep(
        "models = ['lenet.onnx']\nbatches = [1, 4]\npipelines = ['reuse', 'auto']\n\
         schedulers = 'paper'\n[set]\nchip.tiles_x = [2, 4]\ncrossbar.cell = 'rram'\n",
    );
    assert_eq!(s.batches, vec![1, 4]);
    assert_eq!(s.pipelines, vec![Some(Pipeline::Reuse), None]);
    assert_eq!(s.schedulers, vec![Scheduler::Paper]);
    assert_eq!(s.targets, vec!["compact-4x4".to_owned()]);
    let keys: Vec<&str> = s.set.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["chip.tiles_x", "crossbar.cell"]);
}

#[test]
fn bad_sweep_files_name_the_key_and_value() {
    assert!(sweep_error("models = ['m']\nbatchs = [1]").contains("unknown key `batchs`"));
    assert!(sweep_error("models = ['m']\nbatches = [0]").contains("`batches`: `0` is not a batch"));
    assert!(sweep_error("models = ['m']\nbatches = [2.5]").contains("`2.5` is not a batch"));
    assert!(sweep_error("models = ['m']\npipelines = ['fast']").contains("`fast` is not a mode"));
    assert!(sweep_error("models = [1]").contains("`models`: `1` is not a string"));
    assert!(sweep_error("models = []").contains("`models` is empty"));
    assert!(sweep_error("models = ['m']\n[set]\nchip = 4").contains("`set.chip`"));
    assert!(sweep_error("models = ['m'").starts_with("test: "));
}

#[test]
fn set_values_are_toml_or_strings() {
    let axis = parse_set("chip.clock_ghz=1,1.5").unwrap();
    assert_eq!(axis.key, "chip.clock_ghz");
    assert_eq!(
        axis.values,
        vec![toml::Value::Integer(1), toml::Value::Float(1.5)]
    );
    let cell = parse_set("crossbar.cell=rram").unwrap();
    assert_eq!(cell.values, vec![toml::Value::String("rram".into())]);
    assert!(parse_set("chip.tiles_x").is_err());
}

#[test]
fn overrides_make_validated_chips_with_scaled_area() {
    let mut s = sweep("models = ['lenet.onnx']");
    s.set = vec![
        parse_set("chip.tiles_x=2,8").unwrap(),
        parse_set("chip.clock_ghz=2").unwrap(),
    ];
    let made = chips(&s).unwrap();
    assert_eq!(made.len(), 2);
    let base = Target::preset("compact-4x4").unwrap();
    assert_eq!(made[1].target.chip.tiles_x, 8);
    assert_eq!(made[1].target.chip.clock_ghz, 2.0);
    assert_eq!(
        made[1].target.chip.name,
        "compact-4x4 chip.tiles_x=8 chip.clock_ghz=2"
    );
    let ratio = made[1].target.area_total_mm2() / base.area_total_mm2();
    assert!(
        (ratio - 2.0).abs() < 1e-9,
        "8x4 tiles are twice the area: {ratio}"
    );
    let leak = made[0].target.leakage_total_mw() / base.leakage_total_mw();
    assert!((leak - 0.5).abs() < 1e-9, "2x4 tiles leak half: {leak}");
}

#[test]
fn explicit_area_overrides_are_kept() {
    let mut s = sweep("models = ['lenet.onnx']");
    s.set = vec![
        parse_set("chip.tiles_x=8").unwrap(),
        parse_set("area.other_mm2=1").unwrap(),
    ];
    let made = chips(&s).unwrap();
    assert_eq!(made[0].target.area.other_mm2, 1.0);
    let base = Target::preset("compact-4x4").unwrap();
    assert!(made[0].target.area.cim_arrays_mm2 > 1.9 * base.area.cim_arrays_mm2);
}

#[test]
fn overrides_that_make_no_chip_are_errors() {
    let error = |set: &str| {
        let mut s = sweep("models = ['lenet.onnx']");
        s.set = vec![parse_set(set).unwrap()];
        chips(&s).unwrap_err().to_string()
    };
    assert!(error("chip.tiles_x=0").contains("--set chip.tiles_x=0"));
    assert!(error("chip.tiles=2").contains("[chip] has no field `tiles`"));
    assert!(error("chipp.tiles_x=2").contains("no section `[chipp]`"));
    assert!(error("tiles_x=2").contains("a key is `section.field`"));
    assert!(error("chip.tiles_x=two").contains("tiles_x=\"two\""));
}

#[test]
fn points_are_the_product_in_axis_order() {
    let s = sweep(
        "models = ['lenet.onnx', 'mlp.onnx']\nbatches = [1, 2]\nschedulers = ['paper', 'pimc']\n\
         [set]\nchip.tiles_x = [2, 4]",
    );
    let made = chips(&s).unwrap();
    let all = points(&s, &made);
    assert_eq!(all.len(), 2 * 2 * 2 * 2);
    assert_eq!((all[1].scheduler, all[1].batch), (Scheduler::Pimc, 1));
    assert_eq!((all[2].batch, all[2].chip), (2, 0));
    assert_eq!((all[4].chip, all[8].model), (1, 1));
    assert!(all.iter().enumerate().all(|(i, p)| p.index == i));
}

#[test]
fn shards_parse_and_partition() {
    let shard = Shard::parse("1/3").unwrap();
    assert!(shard.contains(4) && !shard.contains(3));
    assert!(Shard::parse("3/3").is_err());
    assert!(Shard::parse("1").is_err());
}

fn small_sweep() -> Sweep {
    sweep(
        "models = ['lenet.onnx', 'mini_resnet.onnx']\nbatches = [1, 4]\n\
         pipelines = ['reuse', 'layer', 'full']\nschedulers = ['paper', 'pimc']\n\
         [set]\nchip.tiles_x = [1, 4]",
    )
}

#[test]
fn shards_merge_into_the_same_bytes() {
    let s = small_sweep();
    let whole = run(&s, None).unwrap();
    let dir = std::env::temp_dir().join(format!("pimc-explore-shards-{}", std::process::id()));
    let dirs: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("s{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        run(&s, Some(Shard { index: i, count: 3 }))
            .unwrap()
            .write(d)
            .unwrap();
    }
    let merged = merge(&dirs).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(merged.to_json(), whole.to_json());
    assert_eq!(merged.to_csv().unwrap(), whole.to_csv().unwrap());
}

#[test]
fn runs_are_deterministic_and_record_unschedulable_points() {
    let s = small_sweep();
    let (a, b): (Results, Results) = (run(&s, None).unwrap(), run(&s, None).unwrap());
    assert_eq!(a.to_json(), b.to_json());
    let errors: Vec<_> = a
        .points
        .iter()
        .filter(|p| p.get("error").is_some())
        .collect();
    assert!(
        !errors.is_empty(),
        "full does not fit on one column of tiles"
    );
    assert!(errors.iter().all(|p| p["point"]["pipeline"] == "full"));
}

#[test]
fn a_point_reports_what_the_compiler_reports() {
    let s = small_sweep();
    let results = run(&s, None).unwrap();
    let point = &results.points[3];
    assert_eq!(point["point"]["scheduler"], "pimc");
    let context = pim_dialects::new_context();
    let made = chips(&s).unwrap();
    let target = made[0].target.clone();
    let mut compiler =
        crate::pipeline::Compiler::new(&context, target.clone(), Default::default()).unwrap();
    let options = crate::schedule::Options {
        batch: 1,
        pipeline: Some(Pipeline::Layer),
        scheduler: Scheduler::Pimc,
        granularity: None,
        segmentation: None,
    };
    compiler.set_schedule(options);
    let ir = compiler
        .compile_file(
            &nets().join("lenet.onnx"),
            crate::frontend::ImportOptions { batch: 1 },
            crate::pipeline::Phase::Scheduled,
        )
        .unwrap();
    let crate::passes::Ir::Pim(func) = ir else {
        panic!("scheduled IR is pim-level")
    };
    let scheduled = crate::schedule::ir::read(&func, &target).unwrap();
    let report = crate::cost::report(&scheduled, "lenet", &target);
    assert_eq!(point["report"], serde_json::to_value(report).unwrap());
}

#[test]
fn csv_flattens_every_report_key() {
    let results = run(&small_sweep(), None).unwrap();
    let csv = results.to_csv().unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "point.set.chip.tiles_x",
        "report.energy_pj.dram",
        "report.crossbars.written",
        "report.segments.count",
        "report.bound_fraction",
        "error",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} in {header}"
        );
    }
    assert_eq!(csv.lines().count(), results.points.len() + 1);
}

#[test]
fn linked_keys_set_every_field() {
    let s = sweep("models = ['lenet.onnx']\n[set]\n\"chip.tiles_x+chip.tiles_y\" = [2, 6]\n");
    let made = chips(&s).unwrap();
    let sizes: Vec<(u32, u32)> = made
        .iter()
        .map(|c| (c.target.chip.tiles_x, c.target.chip.tiles_y))
        .collect();
    assert_eq!(sizes, [(2, 2), (6, 6)]);
    let mut cli = sweep("models = ['lenet.onnx']");
    cli.set = vec![parse_set("crossbar.rows+crossbar.rows_read_in_parallel=64").unwrap()];
    assert_eq!(
        chips(&cli).unwrap()[0]
            .target
            .crossbar
            .rows_read_in_parallel,
        64
    );
}
