/**
 * Sentio's built-in sample dataset: short customer-feedback sentences
 * labelled negative / neutral / positive, written for this project (no
 * third-party text), so `sentio demo` works on a fresh machine with no
 * download. Sentences are composed from hand-written subjects and clauses;
 * the composition is deterministic, so the dataset is the same everywhere.
 * @module
 */

export interface LabelledText {
  text: string;
  label: string;
}

const SUBJECTS = [
  'the delivery',
  'the app',
  'customer support',
  'the checkout',
  'the new update',
  'the battery',
  'the hotel room',
  'our flight',
  'the coffee',
  'the headphones',
  'the onboarding',
  'the invoice',
  'the dashboard',
  'the pizza',
  'the train',
  'the laptop',
  'the refund process',
  'the website',
  'the tutorial',
  'the keyboard',
];

const CLAUSES: Record<string, string[]> = {
  positive: [
    'was fast and friendly, thank you',
    'works perfectly, I love it',
    'exceeded my expectations',
    'is brilliant and so easy to use',
    'made my day, great job',
    'was excellent from start to finish',
    'is a real improvement, very happy',
    'was smooth, quick and pleasant',
    'feels polished and reliable',
    'is fantastic value for the money',
    'was helpful and kind, highly recommend',
    'is wonderful, five stars',
    'solved my problem in minutes, amazing',
    'is the best I have tried so far',
    'was a delight, would buy again',
    'impressed the whole team',
    'is lovely and well designed',
    'arrived early and works great',
  ],
  negative: [
    'was slow and the staff were rude',
    'crashes every time I open it',
    'is a waste of money, very disappointed',
    'broke after two days',
    'was terrible, never again',
    'keeps failing and nobody answers',
    'is confusing and frustrating',
    'arrived late and damaged',
    'is awful, I want my money back',
    'was cold, bland and overpriced',
    'made everything worse, horrible update',
    'charged me twice and support ignored me',
    'is buggy and unreliable',
    'was the worst experience this year',
    'stopped working, so annoying',
    'is noisy, cheap and poorly made',
    'left me angry and stuck for hours',
    'was a complete disaster',
  ],
  neutral: [
    'arrived on tuesday',
    'has a settings page and a help menu',
    'is available in three colours',
    'was delivered to the front desk',
    'uses the same login as before',
    'takes about ten minutes to set up',
    'comes with a cable and a manual',
    'is open from nine to five',
    'was moved to the second floor',
    'lists the price in euros',
    'needs version four or later',
    'was updated last night',
    'shows the order number at the top',
    'has two sizes, small and large',
    'runs on the evening schedule',
    'is described in the faq',
    'was paid by card',
    'can be changed in the account page',
  ],
};

/** The sample dataset: 360 texts, 120 per class, in a fixed order. */
export function sampleDataset(): LabelledText[] {
  const out: LabelledText[] = [];
  const labels = Object.keys(CLAUSES);
  for (let i = 0; i < 120; i++) {
    for (const label of labels) {
      const clauses = CLAUSES[label] ?? [];
      // Walk subjects and clauses at co-prime strides so pairs vary.
      const subject = SUBJECTS[(i * 7 + label.length) % SUBJECTS.length] ?? '';
      const clause = clauses[(i * 5 + Math.floor(i / 18)) % clauses.length] ?? '';
      const text = `${subject.charAt(0).toUpperCase()}${subject.slice(1)} ${clause}.`;
      out.push({ text, label });
    }
  }
  return out;
}

/** Texts the demo scores after training, one per mood plus a mixed one. */
export const DEMO_TEXTS = [
  'The support team was friendly and solved it fast, love it',
  'Terrible app, it crashes and nobody answers',
  'The parcel arrived on tuesday at the front desk',
  'Great keyboard but the battery broke after two days',
];
