import type { ModelSource } from './model-source.ts';
import { makeProblem } from './problem.ts';
import type { Problem } from './types.ts';

/** The model card file every model directory must carry. */
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/** Larger model cards are refused unread. */
export const MAX_MODEL_CARD_BYTES = 5 * 1024 * 1024;

/** Sections a model card must have by default: section -> accepted heading titles. */
export const DEFAULT_REQUIRED_SECTIONS: Readonly<Record<string, string[]>> = {
  description: ['Description', 'Model description', 'Overview', 'Model details', 'Summary'],
  'intended use': ['Intended use', 'Intended uses', 'Uses', 'Use cases'],
  limitations: ['Limitations', 'Risks and limitations', 'Bias, risks, and limitations', 'Known limitations'],
  'training data': ['Training data', 'Dataset', 'Datasets', 'Data'],
  evaluation: ['Evaluation', 'Evaluation results', 'Metrics', 'Performance'],
  license: ['License', 'Licence', 'Licensing'],
  contact: ['Contact', 'Maintainers', 'Authors', 'Model card contact'],
};

/** A Markdown heading and the line it starts on. */
export interface Heading {
  text: string;
  line: number;
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(?:=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Lists the ATX and setext headings of a Markdown text, skipping fenced code blocks. */
export function markdownHeadings(text: string): Heading[] {
  const lines = text.split(/\r\n|\r|\n/);
  const headings: Heading[] = [];
  let fence: string | undefined;
  let paragraph: { text: string; line: number } | undefined;
  for (const [i, line] of lines.entries()) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      if (fenceMatch?.[1] && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length && line.trim() === fenceMatch[1]) fence = undefined;
      continue;
    }
    if (fenceMatch?.[1]) {
      fence = fenceMatch[1];
      paragraph = undefined;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      headings.push({ text: (atx[2] ?? '').trim(), line: i + 1 });
      paragraph = undefined;
    } else if (paragraph && SETEXT.test(line)) {
      headings.push(paragraph);
      paragraph = undefined;
    } else if (line.trim() === '' || (/^ {4}/.test(line) && !paragraph)) {
      paragraph = undefined;
    } else if (!paragraph) {
      paragraph = { text: line.trim(), line: i + 1 };
    }
  }
  return headings;
}

// Lower-case words only: markup, numbering ("2.", "II)"), punctuation and plural "s" do not change a title's meaning.
function normalise(title: string): string {
  return title
    .toLowerCase()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]/g, ' ')
    .replace(/&/g, ' and ')
    .replace(/^\s*(?:\d+|[ivx]+)[.)]\s+/, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w))
    .join(' ');
}

function matches(heading: string, synonym: string): boolean {
  return heading === synonym || heading.startsWith(`${synonym} `);
}

/** Names the required sections that no heading of the card provides. */
export function missingSections(text: string, required: Readonly<Record<string, string[]>>): Array<{ section: string; accepted: string[] }> {
  const headings = markdownHeadings(text).map((h) => normalise(h.text));
  const missing: Array<{ section: string; accepted: string[] }> = [];
  for (const [section, synonyms] of Object.entries(required)) {
    const accepted = synonyms.some((s) => normalise(s) === normalise(section)) ? [...synonyms] : [section, ...synonyms];
    const wanted = accepted.map(normalise).filter((s) => s !== '');
    if (!headings.some((h) => wanted.some((w) => matches(h, w)))) missing.push({ section, accepted });
  }
  return missing;
}

/** Checks that MODEL_CARD.md exists, is not empty and has a heading for every required section. */
export async function checkModelCard(model: ModelSource, required: Readonly<Record<string, string[]>>): Promise<Problem[]> {
  const file = MODEL_CARD_FILE;
  const card = await model.readText(file, MAX_MODEL_CARD_BYTES);
  if (card.kind === 'missing') {
    const nearMiss = (await model.topLevelNames()).find((e) => e.toLowerCase() === file.toLowerCase() || /^model[-_ ]?card\.md$/i.test(e));
    return [makeProblem('model-card-missing', file, `no ${file} in ${model.place}`, { hint: nearMiss ? `rename ${nearMiss} to ${file}` : `add ${file} with the sections: ${Object.keys(required).join(', ')}` })];
  }
  if (card.kind === 'refused') return [makeProblem('model-card-missing', file, card.message, { hint: card.hint })];
  if (card.kind === 'too-large') return [makeProblem('model-card-missing', file, `${file} is ${card.size} bytes, more than the ${MAX_MODEL_CARD_BYTES} allowed`, { hint: 'move large content (tables, images) into separate files and link to them' })];
  const text = card.text;
  if (text.trim() === '') return [makeProblem('model-card-empty', file, `${file} is empty`, { hint: `write the card with the sections: ${Object.keys(required).join(', ')}` })];
  return missingSections(text, required).map(({ section, accepted }) =>
    makeProblem('model-card-section', file, `missing section "${section}" (accepted headings: ${accepted.join(', ')})`, {
      field: section,
      hint: `add a heading such as "## ${accepted[0] ?? section}" with its content`,
    }),
  );
}
