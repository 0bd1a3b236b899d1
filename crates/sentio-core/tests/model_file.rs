//! The loader never panics, never over-allocates, and names what is wrong.

use proptest::prelude::*;
use sentio_core::{ErrorCode, Hashing, Model, TrainConfig, Trainer};

fn model_bytes(cfg: TrainConfig) -> Vec<u8> {
    let texts = [
        "good fun film",
        "great good plot",
        "bad dull film",
        "awful bad plot",
        "good good",
        "bad bad",
    ];
    let labels = ["pos", "pos", "neg", "neg", "pos", "neg"];
    Trainer::fit(cfg, &texts, &labels).unwrap().to_bytes()
}

fn code(bytes: &[u8]) -> ErrorCode {
    Model::from_bytes(bytes).unwrap_err().code
}

/// `fixtures/model-v1.bin` was written by the format-1 engine (commit
/// 72fa513) from exactly these texts and config.
fn v1_fixture_model() -> Model {
    let texts = [
        "good fun film",
        "great good plot",
        "bad dull film",
        "awful bad plot",
        "good good",
        "bad bad",
        "not good at all, dull",
        "not bad, good fun",
    ];
    let labels = ["pos", "pos", "neg", "neg", "pos", "neg", "neg", "pos"];
    let cfg = TrainConfig {
        ngram_range: [1, 2],
        sublinear_tf: true,
        ..TrainConfig::default()
    };
    Trainer::fit(cfg, &texts, &labels).unwrap()
}

#[test]
fn reads_format_1_files() {
    let v1 = include_bytes!("fixtures/model-v1.bin");
    assert_eq!(u32::from_le_bytes(v1[8..12].try_into().unwrap()), 1);
    let old = Model::from_bytes(v1).unwrap();
    let fresh = v1_fixture_model();
    assert_eq!(old.vocabulary(), fresh.vocabulary());
    assert_eq!(old.idf(), fresh.idf());
    assert_eq!(old.classifier(), fresh.classifier());
    for text in ["good film", "bad plot", "not good", "", "fun fun fun"] {
        assert_eq!(old.predict(text), fresh.predict(text));
    }
    // Saving an old model writes the current format, as training does.
    assert_eq!(old.to_bytes(), fresh.to_bytes());
    assert_eq!(
        u32::from_le_bytes(fresh.to_bytes()[8..12].try_into().unwrap()),
        sentio_core::model_file::FORMAT_VERSION
    );
}

#[test]
fn unknown_versions_say_so() {
    let mut v = model_bytes(TrainConfig::default());
    for version in [0u32, 2, 4, 99, u32::MAX] {
        v[8..12].copy_from_slice(&version.to_le_bytes());
        let e = Model::from_bytes(&v).unwrap_err();
        assert_eq!(e.code, ErrorCode::ModelVersion);
        assert!(
            e.message
                .contains(&format!("unsupported model file format version {version}")),
            "{}",
            e.message
        );
    }
}

#[test]
fn framing_errors() {
    let good = model_bytes(TrainConfig {
        ngram_range: [1, 2],
        ..TrainConfig::default()
    });
    assert!(Model::from_bytes(&good).is_ok());
    assert_eq!(code(b""), ErrorCode::ModelTruncated);
    assert_eq!(code(&good[..5]), ErrorCode::ModelTruncated);
    assert_eq!(code(&good[..good.len() - 1]), ErrorCode::ModelTruncated);
    assert_eq!(code(b"PK\x03\x04 definitely a zip"), ErrorCode::ModelBadMagic);
    let mut v = good.clone();
    v[8] = 99;
    assert_eq!(code(&v), ErrorCode::ModelVersion);
    let mut v = good.clone();
    let last = v.len() - 3;
    v[last] ^= 0x40;
    assert_eq!(code(&v), ErrorCode::ModelChecksum);
    let mut v = good.clone();
    v.push(0);
    assert_eq!(code(&v), ErrorCode::ModelCorrupt);
}

/// Rewrite the payload and fix up length and checksum, so the loader's
/// content checks (not the checksum) must catch the damage.
fn reframe(bytes: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut payload = bytes[32..].to_vec();
    edit(&mut payload);
    let mut out = bytes[..16].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

#[test]
fn hostile_but_well_framed_files() {
    let good = model_bytes(TrainConfig::default());
    // Header claims a huge vocabulary.
    let header_len = u32::from_le_bytes(good[32..36].try_into().unwrap()) as usize;
    let header = String::from_utf8(good[36..36 + header_len].to_vec()).unwrap();
    // Both the header's and the facts' feature counts, so only the size check can object.
    let huge = header.replace(&format!("\"n_features\":{}", 8), "\"n_features\":4000000000");
    assert_ne!(huge, header);
    let v = reframe(&good, |p| {
        let mut np = (huge.len() as u32).to_le_bytes().to_vec();
        np.extend_from_slice(huge.as_bytes());
        np.extend_from_slice(&p[4 + header_len..]);
        *p = np;
    });
    assert_eq!(code(&v), ErrorCode::ModelCorrupt);
    // Header that is not JSON.
    let v = reframe(&good, |p| p[4] = b'#');
    assert_eq!(code(&v), ErrorCode::ModelCorrupt);
    // A NaN in the weights.
    let v = reframe(&good, |p| {
        let n = p.len();
        p[n - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
    });
    assert_eq!(code(&v), ErrorCode::ModelCorrupt);
    // Hashing file whose table is cut short.
    let hashed = model_bytes(TrainConfig {
        hashing: Some(Hashing { bits: 8, signed: false }),
        ..TrainConfig::default()
    });
    let v = reframe(&hashed, |p| p.truncate(p.len() - 16));
    assert_eq!(code(&v), ErrorCode::ModelCorrupt);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Arbitrary byte flips and truncations (checksum fixed up or not) give an
    /// error or a valid model, never a panic.
    #[test]
    fn mutations_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>(), fix in any::<bool>()) {
        let good = model_bytes(TrainConfig { ngram_range: [1, 2], ..TrainConfig::default() });
        let mut v = good.clone();
        let i = pos.index(v.len());
        v[i] = byte;
        let _ = Model::from_bytes(&v);
        if fix && v.len() > 32 {
            let fixed = reframe(&v, |_| {});
            let _ = Model::from_bytes(&fixed);
            let cut_at = 32 + cut.index(fixed.len() - 32);
            let shorter = reframe(&fixed[..cut_at], |_| {});
            let _ = Model::from_bytes(&shorter);
        }
        let _ = Model::from_bytes(&good[..cut.index(good.len())]);
    }

    /// Random bytes behind a valid preamble.
    #[test]
    fn random_payloads_never_panic(payload in prop::collection::vec(any::<u8>(), 0..2048)) {
        let good = model_bytes(TrainConfig::default());
        let v = reframe(&good, |p| *p = payload);
        prop_assert!(Model::from_bytes(&v).is_err());
    }
}
