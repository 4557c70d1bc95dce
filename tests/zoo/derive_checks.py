#!/usr/bin/env python3
# Re-derives tests/zoo/models.txt from measured zoo results: on each line with checks on, a check whose
# result in build/zoo/results/<model>_op<opset>.json failed is switched off and its figure becomes the
# comment. Run from the repository root after `ctest -L zoo` when test data or code changed the figures.
#   python3 tests/zoo/derive_checks.py
import json, os, re
zoo='build/zoo/results'
lines=open('tests/zoo/models.txt').read().split('\n')
out=[]
def fmt(k,c):
    if 'error' in c: return f"({k}) error: {c['error'][:80]}"
    if k=='a': return f"(a) {c['snr_db']:.1f} dB < 100 vs ORT (top-1 {c['top1_agreement']*100:.0f}%)"
    if k=='b':
        return f"(b) {c.get('fp16_fc_snr_db', c.get('snr_db',0)):.1f} dB, top-1 {c['top1_agreement']*100:.0f}%"
    if k=='c':
        return f"(c) ours vs ncnn {c['ours_vs_ncnn_snr_db']:.1f} dB / {c['ours_vs_ncnn_top1_agreement']*100:.0f}%"
    if k=='e':
        return f"(e) int8 vs fp32 {c['ours_vs_fp32_snr_db']:.1f} / {c['ncnn_vs_fp32_snr_db']:.1f} dB < 20"
    if k=='d':
        if 'ours_minus_ncnn_chain_upper95_db' not in c:
            return f"(d) ours {c['ours_vs_fp32_snr_db']:.2f} < ncnn2int8 {c['ncnn_chain_vs_fp32_snr_db']:.2f} dB"
        return (f"(d) per image ours {c['ours_vs_fp32_image_snr_db']:.2f} vs ncnn2int8 "
                f"{c['ncnn_chain_vs_fp32_image_snr_db']:.2f} dB, 95% bound "
                f"{c['ours_minus_ncnn_chain_upper95_db']:+.2f} < -{c['margin_db']}")
for l in lines:
    m=re.match(r'^(\S+)\s+(\d+)\s+(\S+)(\s+#.*)?$', l)
    if not m or l.startswith('#') or m.group(3)=='-':
        out.append(l); continue
    name,opset,checks=m.group(1),m.group(2),m.group(3)
    f=os.path.join(zoo,f'{name}_op{opset}.json')
    if not os.path.exists(f): out.append(l); continue
    r=json.load(open(f))
    keep=''; why=[]
    for k in checks:
        if k.isupper():  # reported, not judged: stays as it is
            keep+=k; continue
        c=r.get(k)
        if c is None or c.get('pass',False): keep+=k
        else: why.append(fmt(k,c))
    comment=m.group(4) or ''
    if why:
        comment='  # '+'; '.join(why)
    elif keep=='abcde':
        comment='  # all checks on'
    out.append(f"{name:<20} {opset:<3} {keep or '-':<5}{comment}")
open('tests/zoo/models.txt','w').write('\n'.join(out))
