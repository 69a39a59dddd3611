import { querySyntaxError } from './syntax-error.ts';

/**
 * Tokens of NRQL. Words are keywords or identifiers (the parser decides by
 * context, keywords compare case-insensitively); backtick-quoted names are
 * always identifiers.
 */
export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly position: number }
  | { readonly kind: 'quotedName'; readonly text: string; readonly value: string; readonly position: number }
  | { readonly kind: 'string'; readonly text: string; readonly value: string; readonly position: number }
  | { readonly kind: 'number'; readonly text: string; readonly value: number; readonly position: number }
  | { readonly kind: 'symbol'; readonly text: string; readonly position: number }
  | { readonly kind: 'end'; readonly text: ''; readonly position: number };

const SYMBOLS = ['<=', '>=', '!=', '<>', '(', ')', ',', '*', '=', '<', '>', ';'] as const;

// Character codes, not one-character strings: the lexer runs over every query the changelog holds at start-up.
const isWordStartCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isWordPartCode = (c: number): boolean => isWordStartCode(c) || isDigitCode(c) || c === 46;
const isSpaceCode = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: string | undefined): boolean => c !== undefined && isDigitCode(c.charCodeAt(0));
/** A number at the regex's `lastIndex` (sticky: no slice of the rest of the text per number). */
const NUMBER = /-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;

/**
 * Query text quoted in a message (between `quote`s): at most 60 characters,
 * then the length, so an error never embeds a megabyte of the query.
 */
export function quoteInShort(text: string, quote = "'"): string {
  return text.length > 60 ? `${quote}${text.slice(0, 60)}…${quote} (${text.length} characters)` : `${quote}${text}${quote}`;
}

/** How a token is named in "found ..." parts of error messages. */
export function describeToken(token: Token): string {
  return token.kind === 'end' ? 'end of query' : quoteInShort(token.text);
}

/**
 * A pull lexer: tokens are produced as the parser asks for them, so a syntax
 * error early in the query is reported before a lexical error later on.
 */
export class Lexer {
  readonly #text: string;
  #offset = 0;
  readonly #lookahead: Token[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  /** The token `distance` places ahead, without consuming it. */
  peek(distance = 0): Token {
    while (this.#lookahead.length <= distance) this.#lookahead.push(this.#scan());
    return this.#lookahead[distance];
  }

  next(): Token {
    const token = this.peek();
    this.#lookahead.shift();
    return token;
  }

  #scan(): Token {
    const text = this.#text;
    while (this.#offset < text.length && isSpaceCode(text.charCodeAt(this.#offset))) this.#offset++;
    const start = this.#offset;
    if (start >= text.length) return { kind: 'end', text: '', position: start };
    const c = text[start]!;
    if (isWordStartCode(text.charCodeAt(start))) {
      let end = start + 1;
      while (end < text.length && isWordPartCode(text.charCodeAt(end))) end++;
      this.#offset = end;
      return { kind: 'word', text: text.slice(start, end), position: start };
    }
    if (isDigit(c) || ((c === '-' || c === '.') && this.#startsNumber(start))) return this.#scanNumber(start);
    if (c === "'") return this.#scanString(start);
    if (c === '`') return this.#scanQuotedName(start);
    for (const symbol of SYMBOLS) {
      if (text.startsWith(symbol, start)) {
        this.#offset = start + symbol.length;
        return { kind: 'symbol', text: symbol, position: start };
      }
    }
    throw querySyntaxError(text, start, 'a keyword, name, value or operator', `'${c}'`);
  }

  #startsNumber(at: number): boolean {
    const text = this.#text;
    let i = at;
    if (text[i] === '-') i++;
    if (text[i] === '.') i++;
    return i < text.length && isDigit(text[i]);
  }

  #scanNumber(start: number): Token {
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.#text);
    const raw = match![0];
    this.#offset = start + raw.length;
    return { kind: 'number', text: raw, value: Number(raw), position: start };
  }

  /** Single-quoted; a quote inside is written `''` or `\'`, a backslash `\\`. Other backslashes stay (LIKE uses `\%`). */
  #scanString(start: number): Token {
    const text = this.#text;
    let value = '';
    let i = start + 1;
    while (i < text.length) {
      const c = text[i];
      if (c === "'") {
        if (text[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        this.#offset = i + 1;
        return { kind: 'string', text: text.slice(start, i + 1), value, position: start };
      }
      if (c === '\\' && (text[i + 1] === "'" || text[i + 1] === '\\')) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    throw querySyntaxError(text, start, "a closing ' to end the string started here", 'end of query');
  }

  /** Backtick-quoted name, for attributes with other characters or named like keywords; a backtick inside is doubled. */
  #scanQuotedName(start: number): Token {
    const text = this.#text;
    let value = '';
    let i = start + 1;
    while (i < text.length) {
      if (text[i] === '`') {
        if (text[i + 1] === '`') {
          value += '`';
          i += 2;
          continue;
        }
        this.#offset = i + 1;
        if (value === '') throw querySyntaxError(text, start, 'a name between the backticks', "'``'");
        return { kind: 'quotedName', text: text.slice(start, i + 1), value, position: start };
      }
      value += text[i];
      i++;
    }
    throw querySyntaxError(text, start, 'a closing ` to end the name started here', 'end of query');
  }
}
