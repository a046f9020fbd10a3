// Reads an .ics file the way Thunderbird does (ical.js) and prints what a real client sees.
//
// Usage: node expand.mjs CALENDAR.ics [OCCURRENCES=60]
//
// Prints JSON: {"events": [{uid, summary, description, status, sequence, startUtc,
// occurrencesUtc}]}. Start instants are converted to UTC by ical.js itself, using the
// VTIMEZONE components inside the file, so a wrong VTIMEZONE shows up as a wrong instant.
// occurrencesUtc is null for one-off events and holds the first OCCURRENCES start instants
// (RRULE expanded by ical.js) for recurring ones.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const [path, countArg = '60'] = process.argv.slice(2);
if (!path) {
  console.error('usage: node expand.mjs CALENDAR.ics [OCCURRENCES]');
  process.exit(2);
}
const count = Number.parseInt(countArg, 10);
if (!Number.isInteger(count) || count < 1) {
  console.error(`OCCURRENCES must be a positive integer, got ${countArg}`);
  process.exit(2);
}

// toUnixTime() applies the zone's UTC offset, so this is the instant the client schedules.
const utcIso = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');

const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, 'utf8')));
const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
  const event = new ICAL.Event(vevent);
  let occurrencesUtc = null;
  if (event.isRecurring()) {
    occurrencesUtc = [];
    const iterator = event.iterator();
    for (let next = iterator.next(); next && occurrencesUtc.length < count; next = iterator.next()) {
      occurrencesUtc.push(utcIso(next));
    }
  }
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    status: vevent.getFirstPropertyValue('status'),
    sequence: event.sequence,
    startUtc: utcIso(event.startDate),
    occurrencesUtc,
  };
});
process.stdout.write(`${JSON.stringify({ events }, null, 2)}\n`);
