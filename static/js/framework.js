// The session's framework as every page reads it: practices in order, their stage, their position,
// and the answers each one takes (the adoption levels, or the stages for the stage vote). The data
// comes from the page's bootstrap block (workshop.core.snapshots.framework_view).
import { SCALE, UNKNOWN } from "./protocol.js";

export function indexFramework(framework) {
  const order = [];
  const info = {};
  const levels = SCALE.levels.map((level) => ({ ...level, kind: "level" }));
  const unknown = { ...SCALE.unknown, kind: "unknown" };
  for (const stage of framework.stages) {
    for (const practice of stage.practices) {
      order.push(practice.id);
      info[practice.id] = { practice, stage, position: order.length, kind: "practice", options: levels };
    }
  }
  const vote = framework.stage_vote;
  if (vote) {
    order.push(vote.id);
    const stages = framework.stages.map((stage, index) => ({
      value: stage.id, label: stage.name, tagline: stage.description, description: stage.description,
      rank: index + 1, kind: "stage",
    }));
    info[vote.id] = { practice: vote, stage: null, position: order.length, kind: "stage_vote", options: stages };
  }
  const stageName = Object.fromEntries(framework.stages.map((stage) => [stage.id, stage.name]));
  return {
    framework, order, info, unknown,
    /** The display name of an answer of a practice: "Ad Hoc", a stage's name, "Don't know". */
    answerName(id, value) {
      if (value === UNKNOWN) return unknown.label;
      const option = (info[id] ? info[id].options : levels).find((item) => item.value === value);
      return option ? option.label : stageName[value] || value;
    },
    stageName: (id) => stageName[id] || id,
  };
}
