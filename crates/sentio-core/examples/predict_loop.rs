//! Profiling aid: train once, then score the test CSV single-threaded N times.
//! `cargo run --release -p sentio-core --example predict_loop -- TRAIN TEST [ROUNDS]`

use std::time::Instant;

use sentio_core::{TrainConfig, Trainer};

fn read(path: &str) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    r.records()
        .map(|rec| rec.expect("record"))
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let train = read(&args[1]);
    let test = read(&args[2]);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let cfg = TrainConfig::from_json(r#"{"ngram_range":[1,2],"sublinear_tf":true,"min_df":2}"#).expect("config");
    let t: Vec<&str> = train.iter().map(|p| p.0.as_str()).collect();
    let l: Vec<&str> = train.iter().map(|p| p.1.as_str()).collect();
    let model = Trainer::fit(cfg, &t, &l).expect("fit");
    let mut out = vec![0.0; model.classes().len()];
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..rounds {
        for (text, _) in &test {
            std::hint::black_box(model.predict_into(text, &mut out));
            n += 1;
        }
    }
    let per = start.elapsed() / n as u32;
    println!(
        "{n} predictions, {per:?} each, {:.0}/s single-threaded",
        1.0 / per.as_secs_f64()
    );
}
