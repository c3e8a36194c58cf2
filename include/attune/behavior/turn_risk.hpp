// attune/behavior/turn_risk.hpp: will the customer's next message be dissatisfied?
//
// Purpose. The next-state question asked of a conversation: from what has been said so far (the
// customer's earlier turns, their trend, and the reply the customer is about to answer), how
// likely is it that the customer's next turn is dissatisfied, before it is written? A host
// answers a high risk by changing course (apologize, hand over to a person, stop selling).
//
// Features (all computed from text; no rating or annotation is ever an input):
//   dense cues of the last system reply: length, question, apology ("sorry", "unfortunately"),
//     failure ("couldn't", "unable", "not available", "didn't go through"), confirmation request
//     ("confirm", "is that correct"), yes/no offer ("would you like", "do you want"), repetition of
//     an earlier system reply (Jaccard of word sets), positive closing ("great", "glad", "enjoy");
//   dense cues of the customer so far: turn index, first turn, length of the last turn and its
//     trend against their mean, negation ("no", "not", "n't", "wrong", "incorrect"), question and
//     exclamation marks, repetition of an earlier customer turn, overlap with the system reply,
//     share of earlier turns with negation, thanks, the customer speaking twice in a row;
//   emotion cues from attune's shipped emotion model (EmotionModel::shared_default()): for the
//     last customer turn the summed probabilities of anger/annoyance/disappointment/disapproval
//     ("negative") and gratitude/approval/admiration/joy/relief ("positive") and confusion; the
//     largest negative score of any customer turn so far; the trend of the last turn against the
//     customer's own mean (negative and positive); negative, positive and remorse of the last
//     system reply; and, when the customer speaks twice in a row, the negative/positive score and
//     negation of the line they are continuing (a dissatisfied line is usually continued in the
//     same mood);
//   optionally, hashed unigrams and bigrams of the last system reply and of the last customer
//     turn (2^15 buckets, l2-normalized per field), learned by fit().
// Text is lower-cased ASCII-folded words [a-z0-9'] plus '?' and '!' (a deliberately small
// tokenizer so the cues do not depend on a model; non-ASCII letters are separators).
//
// Model: logistic regression p = sigmoid(b + w . x). The default-constructed model is
// rule-based: hand-set weights on the dense cues (documented in docs/behavior-dynamics.md; no
// data-fitted weights are shipped because the public dialogue data sets carry no licence for
// redistribution). fit() learns all weights (dense standardized + hashed) from the host's own
// labelled conversations by L2-regularized logistic regression (full-batch Adam, deterministic).
//
// Errors: attune::error(not_found) when the emotion model file cannot be found (first use);
// invalid_argument for malformed UTF-8 (status::invalid_utf8), text over kMaxTurnBytes
// (limit_exceeded), a conversation over kMaxTurns turns, options out of range, fit() without
// any positive or negative example. Thread-safety: predict() is const and may run concurrently;
// fit() needs exclusive access.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::behavior {

struct DialogueTurn {
  bool customer = true;  ///< true: the customer wrote it; false: the system / agent
  std::string text;
};

/// One training conversation: turns, and for each turn a label (-1 none, 0 satisfied/neutral,
/// 1 dissatisfied); only customer turns may carry labels.
struct LabelledDialogue {
  std::vector<DialogueTurn> turns;
  std::vector<int8_t> labels;
};

struct TurnRiskReason {
  std::string feature;  ///< dense cue name, or "word:<token>" for hashed words of the last turns
  float contribution = 0;  ///< w_i * x_i on the logit scale (standardized for fitted models)
};

struct TurnRisk {
  float probability = 0;  ///< P(next customer turn dissatisfied), in [0,1]
  std::vector<TurnRiskReason> reasons;  ///< dense cues by |contribution|, largest first (<= 8)
  std::string to_json() const;
};

class TurnRiskModel {
 public:
  static constexpr size_t kMaxTurns = 10000;
  static constexpr size_t kMaxTurnBytes = size_t(1) << 20;
  static constexpr size_t kHashBits = 15;

  struct FitOptions {
    double l2 = 1.5e-4;          ///< L2 penalty on the mean loss, [0, 1]
    int iterations = 300;        ///< full-batch Adam steps, 1..100000
    double learning_rate = 0.05; ///< Adam step size, (0, 10]
    bool words = true;           ///< learn hashed word features as well as the dense cues
  };

  /// The rule-based default (hand-set weights on the dense cues).
  TurnRiskModel();

  /// Risk for the customer's next turn given the conversation so far (may be empty).
  TurnRisk predict(const std::vector<DialogueTurn>& history) const;
  /// Probability only (no reasons), for batch scoring.
  float probability(const std::vector<DialogueTurn>& history) const;

  /// Learn from labelled dialogues (each labelled customer turn is one example whose history is
  /// every earlier turn). Replaces the weights.
  void fit(const std::vector<LabelledDialogue>& data, const FitOptions& options);
  void fit(const std::vector<LabelledDialogue>& data) { fit(data, FitOptions()); }

  bool fitted() const noexcept { return fitted_; }
  /// Names of the dense cues, in feature order.
  static const std::vector<std::string>& feature_names();

  /// Binary form: "ATTR" u8 version(=2; 1 had no emotion cues and is not read) u8 fitted u8 has_words u32 n_dense f32 bias
  /// then n_dense x (f32 weight f32 mean f32 sd), then (has_words) 2^kHashBits f32 weights.
  std::vector<uint8_t> serialize() const;
  static TurnRiskModel deserialize(const uint8_t* data, size_t size);

 private:
  struct Features;
  void features(const std::vector<DialogueTurn>& history, Features& f) const;
  double logit(const Features& f) const;

  float bias_ = 0;
  std::vector<float> w_, mean_, sd_;  // dense
  std::vector<float> hashed_;         // empty unless fitted with words
  bool fitted_ = false;
};

}  // namespace attune::behavior
