// Package checkpoint saves and loads tensors in the safetensors format, the
// format of Hugging Face checkpoints, so that a deepgo model's weights open
// in PyTorch and a PyTorch state_dict exported as safetensors opens in deepgo.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON (padded with spaces to a multiple of 8) that give each tensor's dtype,
// shape and byte range, an optional "__metadata__" object of strings, and the
// raw little-endian data of all tensors back to back:
//
//	{"__metadata__":{"arch":"mlp"},"1.bias":{"dtype":"F32","shape":[64],"data_offsets":[0,256]},...}
//
// Save writes float32 tensors ("F32") in name order with a deterministic
// header laid out byte for byte as the reference implementation (the Rust
// crate behind the Python package) lays it out, and replaces the file
// atomically: a crash or a full disk leaves the previous file intact. Load
// checks every byte range, shape and dtype before it allocates any tensor and
// names the file and the problem in its errors; besides F32 it reads F64,
// F16 and BF16 (rounded to float32) and integer and BOOL tensors whose values
// float32 holds exactly (such as BatchNorm's int64 num_batches_tracked).
//
// SaveTraining and LoadTraining keep a whole resumable training state (model,
// optimizer, epoch, step, random generator, and free-form extras) in one
// such file; tools/load_safetensors.py reads these files into PyTorch.
package checkpoint
