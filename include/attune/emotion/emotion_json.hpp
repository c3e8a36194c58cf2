// attune/emotion/emotion_json.hpp: JSON forms of emotion results (CLI, C ABI, Python).
//
// Scores:  {"labels":{name:prob,..28},"active":[names, strongest first],"ekman":{name:prob,..7},
//           "ekman_active":[names],"states":{name:score,..8},"valence":v,"arousal":a,
//           "confidence":c}
// Explain: [{"label":name,"probability":p,"threshold":t,"bias":b,
//            "tokens":[{"token":text,"offset":o,"length":n,"weight":w},..]},..]
// Numbers are rounded to 6 significant digits. Thread-safe; allocates (not for hot loops).
#pragma once

#include "attune/emotion/emotion_model.hpp"
#include "attune/emotion/emotion_scores.hpp"

#include <string>
#include <vector>

namespace attune::emotion {

std::string to_json(const EmotionScores& scores);
std::string to_json(const std::vector<LabelExplanation>& explanation);

}  // namespace attune::emotion
