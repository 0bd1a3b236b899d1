//! Profiling aid: where single-text scoring spends its time, phase by phase
//! (scan, token ids, n-gram features, full predict), single-threaded.
//! `cargo run --release -p sentio-core --example predict_phases -- TRAIN TEST`

use std::hint::black_box;
use std::time::Instant;

use sentio_core::tokenizer::for_each_ngram;
use sentio_core::vocab::{VocabIndex, NONE};
use sentio_core::{TrainConfig, Trainer};

fn read(path: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    r.records().map(|rec| rec.expect("record")[0].to_string()).collect()
}

/// Fastest of several rounds (the machine is shared: the minimum is the
/// least disturbed).
fn time(name: &str, texts: &[String], mut f: impl FnMut(&str) -> usize) {
    let mut best = std::time::Duration::MAX;
    let mut sink = 0usize;
    for _ in 0..7 {
        let start = Instant::now();
        for t in texts {
            sink = sink.wrapping_add(f(t));
        }
        best = best.min(start.elapsed() / texts.len() as u32);
    }
    println!("{name:<28} {best:?} per text ({sink})");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let train = read(&args[1]);
    let labels: Vec<String> = {
        let mut r = csv::Reader::from_path(&args[1]).expect("open csv");
        r.records().map(|rec| rec.expect("record")[1].to_string()).collect()
    };
    let test = read(&args[2]);
    let cfg = TrainConfig::from_json(r#"{"ngram_range":[1,2],"sublinear_tf":true,"min_df":2}"#).expect("config");
    let t: Vec<&str> = train.iter().map(String::as_str).collect();
    let l: Vec<&str> = labels.iter().map(String::as_str).collect();
    let model = Trainer::fit(cfg, &t, &l).expect("fit");
    let vocab = VocabIndex::from_terms(model.vocabulary().expect("vocab").to_vec()).expect("index");
    let tok = model.tokenizer();
    time("preprocess + scan", &test, |s| {
        let pre = tok.preprocess(s);
        let mut n = 0;
        tok.for_each_token(&pre, |_| n += 1);
        n
    });
    let mut ids = Vec::new();
    time("+ token ids", &test, |s| {
        let pre = tok.preprocess(s);
        ids.clear();
        tok.for_each_token(&pre, |t| ids.push(vocab.token_id(t)));
        ids.iter().filter(|&&i| i != NONE).count()
    });
    time("+ n-gram features", &test, |s| {
        let pre = tok.preprocess(s);
        ids.clear();
        tok.for_each_token(&pre, |t| ids.push(vocab.token_id(t)));
        let mut n = 0;
        for_each_ngram(&ids, 1, 2, |w| n += (vocab.feature(w) != NONE) as usize);
        n
    });
    let mut out = vec![0.0; model.classes().len()];
    time("full predict_into", &test, |s| {
        model.predict_into(black_box(s), &mut out)
    });
}
