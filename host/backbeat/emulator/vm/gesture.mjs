// Button gestures, in device milliseconds, for both boards: a short press, a long press,
// the gap between the two presses of a double press, and the least time between two
// gestures (longer than a double press window, so two separate presses stay two).
export const GESTURE = { shortMs: 150, longMs: 1500, doubleGapMs: 150, gapMs: 600 };

// The phases {level, ms} of a gesture (p short, l long, d double, h hold, u release);
// level 0 is the button down.
export function gesturePhases(kind) {
  const g = GESTURE;
  const press = (ms) => [{ level: 0, ms }, { level: 1, ms: g.gapMs }];
  if (kind === "p") return press(g.shortMs);
  if (kind === "l") return press(g.longMs);
  if (kind === "d") return [{ level: 0, ms: g.shortMs }, { level: 1, ms: g.doubleGapMs }, ...press(g.shortMs)];
  if (kind === "h") return [{ level: 0, ms: 0 }];
  if (kind === "u") return [{ level: 1, ms: g.gapMs }];
  return [];
}
