"""providers/chorus"""
