import { describe, expect, it } from 'vitest';
import { healthLabel, operationLabel, outcomeLabel, procedureLabeller } from '../../../src/metrics/metric-labels.js';

describe('metric labels come only from fixed sets', () => {
  const label = procedureLabeller('xs.demo', ['create', 'list', 'remove']);

  it('names the appliance\'s own procedures, and Crossbar.io\'s dynamic auth procedures', () => {
    expect(label('xs.demo/create')).toBe('create');
    expect(label('xs.demo/list')).toBe('list');
    expect(label('xs.demo._authenticate')).toBe('_authenticate');
    expect(label('xs.demo._authorize')).toBe('_authorize');
  });

  it('folds every container\'s operation into container/<op>: a caller\'s container name is never a label', () => {
    expect(label('xs.demo/web1/start')).toBe('container/start');
    expect(label('xs.demo/any-name-a-caller-made-up-123/inspect')).toBe('container/inspect');
  });

  it('calls everything else other', () => {
    for (const uri of ['xs.demo/nosuchop', 'xs.demo/web1/nosuchop', 'xs.demo//start', 'other.domain/create', 'xs.demo/a/b/start', 'xs.demo._other', 'xs.demo/web1/start/x']) {
      expect(label(uri), uri).toBe('other');
    }
  });

  it('keeps berth\'s error URIs and ok as outcomes, anything else is other', () => {
    expect(outcomeLabel('ok')).toBe('ok');
    expect(outcomeLabel('berth.error.not_found')).toBe('berth.error.not_found');
    expect(outcomeLabel('wamp.error.invalid_argument')).toBe('wamp.error.invalid_argument');
    expect(outcomeLabel('com.example.error.made_up')).toBe('other');
  });

  it('knows four health statuses and operation names of letters only', () => {
    expect(healthLabel('healthy')).toBe('healthy');
    expect(healthLabel(null)).toBe('none');
    expect(healthLabel('weird')).toBe('none');
    expect(operationLabel('fetchContainer')).toBe('fetchContainer');
    expect(operationLabel('inspect /containers/abc')).toBe('other');
  });
});
