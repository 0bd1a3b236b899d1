//! Train on a `text,label` CSV and evaluate on another; prints timings.
//! `cargo run --release -p sentio-core --example fit_csv -- TRAIN TEST [CONFIG_JSON]`

use std::time::Instant;

use sentio_core::{evaluate, Model, Probabilities, TrainConfig, Trainer};

fn read(path: &str) -> (Vec<String>, Vec<String>) {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let (mut t, mut l) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec.expect("csv record");
        t.push(rec[0].to_string());
        l.push(rec[1].to_string());
    }
    (t, l)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg = TrainConfig::from_json(args.get(3).map_or("{}", String::as_str)).expect("config");
    let (tt, tl) = read(&args[1]);
    let (et, el) = if args[2] == "-" {
        (Vec::new(), Vec::new())
    } else {
        read(&args[2])
    };
    let texts: Vec<&str> = tt.iter().map(String::as_str).collect();
    let labels: Vec<&str> = tl.iter().map(String::as_str).collect();
    let t0 = Instant::now();
    let model = Trainer::fit(cfg, &texts, &labels).expect("fit");
    let fit = t0.elapsed();
    if args[2] == "-" {
        println!("fit {fit:?} | features {}", model.n_features());
        return;
    }
    let bytes = model.to_bytes();
    // SENTIO_SAVE_MODEL=PATH keeps the model file (for the score_file example).
    if let Ok(path) = std::env::var("SENTIO_SAVE_MODEL") {
        std::fs::write(&path, &bytes).expect("write model file");
    }
    let t1 = Instant::now();
    let model = Model::from_bytes(&bytes).expect("load");
    let load = t1.elapsed();
    let etexts: Vec<&str> = et.iter().map(String::as_str).collect();
    let t2 = Instant::now();
    let batch = model.predict_batch(&etexts);
    let pred = t2.elapsed();
    let names: Vec<&str> = batch
        .labels
        .iter()
        .map(|&l| model.classes()[l as usize].as_str())
        .collect();
    let truth: Vec<&str> = el.iter().map(String::as_str).collect();
    let report = evaluate(
        &truth,
        &names,
        Some(Probabilities {
            classes: model.classes(),
            values: &batch.probabilities,
        }),
    )
    .expect("eval");
    let t3 = Instant::now();
    for t in etexts.iter().take(1000) {
        std::hint::black_box(model.predict(t));
    }
    let single = t3.elapsed() / 1000;
    println!(
        "fit {:?} | features {} | file {:.1} MB | load {:?} | batch {:.0} docs/s | single {:?} | accuracy {:.4} | log_loss {:?}",
        fit,
        model.n_features(),
        bytes.len() as f64 / 1e6,
        load,
        etexts.len() as f64 / pred.as_secs_f64(),
        single,
        report.accuracy,
        report.log_loss
    );
}
