"""An mmengine metric that keeps each test sample's scores with its clip id, for probability files."""
import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from competition.core.ids import id_from_name

# Keys of the pipeline's results that name the sample: clip videos (`filename`) or pose clips (`frame_dir`).
ID_KEYS = ("frame_dir", "filename")


@METRICS.register_module()
class CollectClipScores(BaseMetric):
    """Collects (clip id, label, scores) of every test sample; `collected` holds them after evaluation.

    Scores are `pred_score` arrays, or dicts of them (RGBPoseConv3D: one per stream). Ids come from the
    sample's metainfo (`miga predict` adds `frame_dir` and `filename` to PackActionInputs' meta_keys).
    """
    default_prefix = "collect"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.collected = []

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            name = next((sample[k] for k in ID_KEYS if k in sample), None)
            if name is None:
                raise KeyError("the test pipeline's PackActionInputs must keep `frame_dir` or `filename` in "
                               "meta_keys so that predictions carry clip ids")
            score = sample["pred_score"]
            score = ({k: v.float().cpu().numpy() for k, v in score.items()} if isinstance(score, dict)
                     else score.float().cpu().numpy())
            label = sample["gt_label"]
            label = int(label.item()) if label.numel() == 1 else -1
            self.results.append((id_from_name(name), label, score))

    def compute_metrics(self, results):
        self.collected = list(results)
        labels = np.array([label for _, label, _ in results])
        known = labels >= 0
        if not known.any():
            return {"clips": len(results)}
        scores = [s if not isinstance(s, dict) else sum(s.values()) for _, _, s in results]
        top1 = float(np.mean(np.argmax(np.stack(scores)[known], axis=1) == labels[known]))
        return {"clips": len(results), "top1": top1}
